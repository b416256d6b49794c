"""Name lists for the scenario's people: British names of diverse origins, skewed like real ones.

Linkage is only tested honestly when names collide the way they do in real data: a few given
names and surnames are very common (so several different people share "John Smith" or
"Mohammed Khan"), spellings vary (Mohammed/Muhammad), nicknames stand in for given names and
some names are transliterated differently. Weights are rough relative frequencies written from
general knowledge of UK name distributions, not copied from any dataset.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

# A weighted pool: the names and their cumulative weights (a draw is one bisect).
Pool = tuple[tuple[str, ...], tuple[float, ...]]


def _weighted(text: str) -> Pool:
    """``Name:weight`` tokens ("_" for a space) as a pool."""
    names: list[str] = []
    weights: list[float] = []
    for token in text.split():
        name, _, weight = token.partition(":")
        names.append(name.replace("_", " "))
        weights.append(float(weight or 1))
    return tuple(names), tuple(accumulate(weights))


def _mapping(text: str) -> dict[str, tuple[str, ...]]:
    """``Name:variant,variant`` tokens ("_" for a space) as a dict."""
    out: dict[str, tuple[str, ...]] = {}
    for token in text.split():
        name, _, variants = token.partition(":")
        out[name.replace("_", " ")] = tuple(v.replace("_", " ") for v in variants.split(","))
    return out


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words ("_" for a space within one)."""
    return tuple(word.replace("_", " ") for word in text.split())


def draw(r: random.Random, pool: Pool) -> str:
    """One name from a pool, by weight."""
    names, cum = pool
    return names[bisect(cum, r.random() * cum[-1])]


_BRITISH_MALE = """
David:30 John:28 Paul:22 Mark:20 James:26 Michael:24 Andrew:18 Richard:12 Daniel:20 Christopher:18
Matthew:16 Thomas:16 Robert:14 Stephen:12 Steven:8 Lee:10 Craig:8 Gary:10 Darren:8 Dean:6 Wayne:6
Jason:8 Kevin:8 Scott:8 Ryan:14 Jamie:10 Liam:12 Connor:8 Jordan:8 Kyle:6 Callum:6 Jack:14
Joshua:10 Luke:10 Adam:10 Nathan:8 Benjamin:8 Samuel:8 Joseph:8 William:8 Anthony:10 Peter:8
Simon:6 Gareth:5 Rhys:4 Dylan:4 Owen:4 Shane:4 Kieran:5 Bradley:5 Aaron:5 Jake:6 Alexander:6
Edward:4 Nicholas:5 Jonathan:5 Terence:3 Frederick:2 Lawrence:2 Patrick:4 Sean:6 Declan:3 Conor:3
Tyler:4 Reece:4 Harry:5 Charlie:5 George:5 Karl:4 Neil:5 Ian:6 Martin:6 Graham:4 Carl:5 Shaun:4
Ross:3 Elliot:3 Mason:3
"""
_BRITISH_FEMALE = """
Sarah:20 Emma:18 Laura:14 Rebecca:12 Lisa:12 Claire:10 Michelle:10 Nicola:10 Kelly:10 Gemma:10
Amy:12 Jessica:10 Charlotte:12 Hannah:10 Sophie:10 Chloe:10 Lauren:10 Stacey:8 Kirsty:6 Samantha:8
Victoria:8 Elizabeth:8 Katherine:5 Catherine:6 Jennifer:6 Amanda:6 Donna:6 Tracey:6 Joanne:8
Leanne:6 Danielle:8 Natalie:8 Zoe:6 Jade:8 Shannon:5 Megan:6 Courtney:4 Paige:4 Demi:3 Margaret:3
Susan:4 Deborah:4 Patricia:3 Karen:6 Julie:5 Angela:5 Helen:6 Louise:6 Kayleigh:4 Amber:3 Holly:4
Ellie:4 Georgia:4 Bethany:3 Siobhan:3 Niamh:3 Ffion:2 Cerys:2 Sian:3
"""
_BRITISH_SURNAMES = """
Smith:50 Jones:38 Williams:30 Taylor:24 Brown:24 Davies:22 Evans:18 Wilson:18 Thomas:16 Johnson:16
Roberts:15 Robinson:13 Thompson:13 Wright:13 Walker:12 White:12 Edwards:12 Hughes:12 Green:11
Hall:11 Lewis:11 Harris:11 Clarke:10 Jackson:10 Wood:10 Turner:9 Martin:9 Cooper:9 Hill:9 Ward:9
Morris:9 Moore:9 Clark:9 Lee:8 King:8 Baker:8 Harrison:8 Morgan:8 Allen:8 James:8 Scott:7
Phillips:7 Watson:7 Davis:7 Parker:7 Price:7 Bennett:7 Young:7 Griffiths:7 Mitchell:7 Kelly:7
Cook:7 Carter:6 Richardson:6 Bailey:6 Collins:6 Bell:6 Shaw:6 Murphy:6 Miller:6 Cox:6 Richards:6
Marshall:5 Anderson:5 Simpson:5 Ellis:5 Adams:5 Wilkinson:5 Foster:5 Chapman:5 Powell:5 Webb:5
Rogers:5 Gray:5 Mason:5 Lloyd:5 Hunt:5 Holmes:5 Palmer:4 Mills:4 Barnes:4 Knight:4 Butler:4
Russell:4 Fisher:4 Stevens:4 Jenkins:4 Murray:4 Dixon:4 Harvey:4 Graham:4 Pearson:4 Reynolds:4
Gibson:4 Kennedy:3 O'Brien:3 O'Neill:3 McDonald:4 Doyle:3 Byrne:3 Quinn:3 Gallagher:3 Rees:4 Owen:4
Pritchard:2 Howells:2 Fletcher:3 Brooks:3 Berry:3 Hayes:3 Stone:3 Hopkins:3 Pugh:2 Walsh:3
McCarthy:3 Doherty:2 Connolly:2 Flynn:2 Sullivan:3 Atkinson:3 Barker:3 Cunningham:2 Hart:3 Lowe:3
Slater:2 Burton:3 Hudson:2 Heath:2 Gardner:3 Payne:3 Riley:3 Newton:2 Bird:2 Lamb:2 Nolan:2 Rowe:2
Price-Jones:1 Lloyd-Davies:1
"""
_SOUTH_ASIAN_MALE = """
Mohammed:30 Muhammad:10 Ahmed:6 Ali:6 Imran:6 Asif:5 Tariq:4 Zahid:4 Amir:5 Bilal:5 Hamza:6 Usman:5
Adil:4 Faisal:4 Rizwan:3 Shahid:4 Yasir:3 Omar:5 Hassan:5 Ibrahim:4 Raj:4 Sanjay:3 Vijay:3 Amit:3
Rajesh:3 Harjit:3 Gurpreet:3 Jaspreet:3 Manjit:3 Sunil:3 Arjun:2 Rahul:3 Abdul:5 Kamran:3 Waqas:3
Zubair:3 Nadeem:3
"""
_SOUTH_ASIAN_FEMALE = """
Fatima:6 Aisha:6 Ayesha:4 Zainab:4 Maryam:5 Sana:4 Saima:4 Nadia:4 Amina:4 Shazia:3 Priya:4
Anjali:3 Sunita:3 Harpreet:3 Simran:3 Rukhsana:3 Nasreen:3 Farzana:3 Sadia:3 Hina:3
"""
_SOUTH_ASIAN_SURNAMES = """
Khan:30 Ahmed:18 Hussain:18 Ali:16 Patel:25 Akhtar:8 Iqbal:8 Mahmood:7 Rashid:6 Shah:8 Malik:8
Chaudhry:6 Butt:5 Aslam:5 Mirza:4 Qureshi:5 Sharma:6 Singh:14 Gill:6 Sandhu:4 Sidhu:4 Bains:3
Kumar:6 Mistry:4 Chauhan:3 Rahman:8 Islam:5 Miah:6 Uddin:5 Choudhury:4 Anwar:4 Saleem:3 Hassan:4
"""
_EAST_EUROPEAN_MALE = """
Piotr:4 Tomasz:4 Marcin:4 Pawel:3 Krzysztof:3 Lukasz:4 Andrei:4 Ionut:3 Florin:3 Mihai:4 Adrian:4
Marius:4 Bogdan:3 Vasile:3 Darius:2 Tomas:3 Mantas:3 Arturas:2 Jonas:2 Valentin:3 Gheorghe:2
Stefan:3 Nikolai:2 Dmitri:2 Aleksandr:2 Ardit:2 Besnik:2 Arben:2 Erion:2 Klevis:2
"""
_EAST_EUROPEAN_FEMALE = """
Anna:5 Agnieszka:3 Katarzyna:3 Magdalena:3 Monika:3 Joanna:2 Elena:4 Ioana:3 Andreea:3 Alina:3
Cristina:3 Daniela:3 Gabriela:3 Ruta:2 Egle:2 Irina:3 Olga:2 Natalia:3
"""
_EAST_EUROPEAN_SURNAMES = """
Nowak:6 Kowalczyk:3 Wozniak:3 Mazur:3 Krawczyk:2 Popescu:6 Popa:5 Ionescu:4 Stan:4 Dumitru:4
Constantin:4 Stoica:3 Munteanu:3 Balan:3 Gheorghe:3 Rusu:3 Horvath:3 Kovacs:3 Nagy:3 Hoxha:3
Krasniqi:3 Berisha:3 Gashi:2 Shehu:2 Petrov:2 Ivanov:2 Kazlauskas:2 Jankauskas:2 Petraitis:2
"""
_AFRICAN_CARIBBEAN_MALE = """
Kwame:2 Kofi:3 Emmanuel:4 Chinedu:2 Oluwaseun:2 Tunde:3 Segun:2 Adebayo:2 Tyrone:3 Marlon:3
Delroy:2 Winston:2 Leroy:2 Jermaine:3 Andre:3 Kareem:2 Dwayne:3 Abdi:3 Mohamed:4 Yusuf:3
Abdirahman:2 Daniel:3 Samuel:3
"""
_AFRICAN_CARIBBEAN_FEMALE = """
Grace:3 Blessing:3 Chioma:2 Funmilayo:2 Adaeze:2 Shanice:3 Tanisha:2 Keisha:3 Chantelle:3 Abena:2
Ama:2 Hodan:2 Ayan:2 Fartun:1
"""
_AFRICAN_CARIBBEAN_SURNAMES = """
Okafor:3 Adeyemi:3 Mensah:3 Owusu:4 Boateng:3 Asante:3 Okoro:2 Oladipo:2 Adebayo:2 Campbell:4
Francis:3 Grant:3 Henry:3 Samuels:2 Reid:3 Gordon:2 Mohamed:4 Abdi:4 Farah:3 Osman:3 Warsame:2
Yusuf:2 Brown:3 Williams:3
"""
_MIDDLE_EASTERN_MALE = """
Ahmad:3 Karim:3 Reza:2 Mustafa:3 Hussein:3 Kamal:2 Saman:2 Dilan:2 Rebin:2 Hawre:2 Azad:2 Khalid:3
Mohammed:4
"""
_MIDDLE_EASTERN_FEMALE = """
Leila:3 Yasmin:3 Noor:3 Shirin:2 Rojin:2 Zahra:3 Mariam:3
"""
_MIDDLE_EASTERN_SURNAMES = """
Ahmadi:4 Karimi:3 Hosseini:3 Rahimi:3 Mohammadi:3 Abdullah:3 Mustafa:3 Hamid:3 Aziz:3 Rasul:2
Salih:2 Omar:3 Mahmoud:3
"""


@dataclass(frozen=True, slots=True)
class Origin:
    """Names that go together: given names by gender and surnames of one broad origin."""

    key: str
    weight: float
    male: Pool
    female: Pool
    surnames: Pool


ORIGINS: tuple[Origin, ...] = tuple(
    Origin(key, weight, _weighted(male), _weighted(female), _weighted(surnames))
    for key, weight, male, female, surnames in (
        ("british", 70.0, _BRITISH_MALE, _BRITISH_FEMALE, _BRITISH_SURNAMES),
        ("south_asian", 12.0, _SOUTH_ASIAN_MALE, _SOUTH_ASIAN_FEMALE, _SOUTH_ASIAN_SURNAMES),
        ("east_european", 8.0, _EAST_EUROPEAN_MALE, _EAST_EUROPEAN_FEMALE, _EAST_EUROPEAN_SURNAMES),
        (
            "african_caribbean",
            5.0,
            _AFRICAN_CARIBBEAN_MALE,
            _AFRICAN_CARIBBEAN_FEMALE,
            _AFRICAN_CARIBBEAN_SURNAMES,
        ),
        (
            "middle_eastern",
            5.0,
            _MIDDLE_EASTERN_MALE,
            _MIDDLE_EASTERN_FEMALE,
            _MIDDLE_EASTERN_SURNAMES,
        ),
    )
)

# Surnames carried by women only in these communities (kept out of the male draw).
FEMALE_SURNAMES: dict[str, tuple[str, ...]] = {"south_asian": ("Begum", "Kaur", "Bibi")}

# Several distinct people are given each of these names, in different places with different
# dates of birth: the linkage must keep them apart.
COMMON_FULL_NAMES: tuple[tuple[str, str, str], ...] = tuple(
    (given, surname, "female" if gender == "f" else "male")
    for given, surname, gender in (
        entry.split(":")
        for entry in _words("""
John:Smith:m Mohammed:Khan:m David:Jones:m James:Brown:m Sarah:Williams:f Michael:Wilson:m
Emma:Taylor:f Daniel:Evans:m Mohammed:Ali:m Paul:Davies:m Lisa:Roberts:f Mark:Thomas:m
""")
    )
)

NICKNAMES: dict[str, tuple[str, ...]] = _mapping("""
Robert:Bob,Rob,Bobby William:Bill,Will,Billy Elizabeth:Liz,Beth,Lizzie James:Jim,Jimmy,Jamie
Michael:Mike,Mick,Micky Richard:Rick,Richie,Dick Thomas:Tom,Tommy Anthony:Tony,Ant Daniel:Dan,Danny
Christopher:Chris Jonathan:Jon,Jonny Joseph:Joe,Joey Samuel:Sam,Sammy Matthew:Matt Andrew:Andy,Drew
Edward:Ed,Eddie,Ted Alexander:Alex,Sandy Benjamin:Ben,Benny Nicholas:Nick,Nicky
Stephen:Steve,Stevie Steven:Steve Margaret:Maggie,Peggy Katherine:Kate,Kathy Catherine:Cath,Kate
Jennifer:Jen,Jenny Rebecca:Becky,Becca Victoria:Vicky,Tori Samantha:Sam,Sammie
Charlotte:Charlie,Lottie Jessica:Jess Deborah:Debbie,Deb Susan:Sue,Susie Patricia:Pat,Trish
Mohammed:Mo Muhammad:Mo Abdul:Abs Gareth:Gaz Gary:Gaz Darren:Daz Kevin:Kev Terence:Terry,Tel
Lawrence:Larry,Laurie Frederick:Fred,Freddie Joshua:Josh Nathan:Nate David:Dave,Davey Peter:Pete
Jacob:Jake Zachary:Zac Piotr:Peter Tomasz:Tom Lukasz:Luke Krzysztof:Chris Pawel:Paul Andrei:Andy
Ibrahim:Ibby Nicola:Nikki Natalie:Nat Danielle:Dani Amanda:Mandy Joanne:Jo Emmanuel:Manny
Oluwaseun:Seun Abdirahman:Abdi Scott:Scotty
""")

# Transliterations and spellings people write for the same name.
SPELLINGS: dict[str, tuple[str, ...]] = _mapping("""
Mohammed:Muhammad,Mohammad,Mohamed,Mohamad,Muhammed Muhammad:Mohammed,Muhammed
Mohamed:Mohammed,Mohamud Hussain:Hussein,Husain Hussein:Hussain Chaudhry:Choudhury,Chowdhury
Choudhury:Chowdhury,Chaudhry Ahmed:Ahmad Ahmad:Ahmed Mahmood:Mahmud,Mehmood Rahman:Rehman
Stephen:Steven Steven:Stephen Sean:Shaun,Shawn Shaun:Sean Catherine:Katherine,Kathryn
Katherine:Catherine,Kathryn Zoe:Zoë,Zoey Clarke:Clark Clark:Clarke Davies:Davis Thompson:Thomson
Gray:Grey McDonald:MacDonald,Mcdonald O'Brien:OBrien,O_Brien O'Neill:ONeill,O'Neil
Jonathan:Johnathan Philips:Phillips Phillips:Philips Lee:Leigh Leanne:Leann,Lian
Kayleigh:Kayley,Kaylee Stacey:Stacy Tracey:Tracy Yusuf:Yousef,Yusef Kazlauskas:Kazlauskis
Popescu:Popesku Wozniak:Woźniak Pawel:Paweł Lukasz:Łukasz Krasniqi:Krasniki Hoxha:Hoxa
Okafor:Okafur Owusu:Owusuh Iqbal:Ikbal Qureshi:Kureshi,Quraishi
""")

# Street names some people go by: kept in the aliases list, never as a full name.
STREET_NAMES: tuple[str, ...] = _words("""
Smudge Tank Chalky Spider Ginge Dizzy Taz Bugsy Shorty Slim Ozzy Jonno Deano Big_Mo Little_Man
Scouse Brummie Junior Wiz Boxer Skinny
""")

STREETS: tuple[str, ...] = tuple(
    f"{a} {b}"
    for a in _words("""
High Station Church Market Mill Park Victoria King Queen London Bridge North South West East Albert
Chapel Green Manor Oak Elm Castle Wellington Grange Meadow Springfield Windsor Orchard Forge Abbey
""")
    for b in ("Street", "Road", "Lane", "Avenue", "Way", "Parade", "Walk", "Gate")
)
