"""Where the scenario happens: real towns of each force area, stations, and motorway corridors.

Stores cluster around real towns (approximate town-centre coordinates, written from general
knowledge, checked against the force boundaries by the tests) so that the map, the near-repeat
statistics and the travelling groups look like England and Wales rather than uniform noise.
Force weights are rough resident populations in millions (ONS mid-year estimates, rounded);
the City of London gets more than its residents because of its daytime population.
"""

from __future__ import annotations

from dataclasses import dataclass

# Rough population (millions) by force area: drives how many stores each force gets.
_FORCE_WEIGHT = """
metropolitan:8.9 west-midlands:2.9 greater-manchester:2.9 west-yorkshire:2.35 thames-valley:2.4
hampshire:2 kent:1.85 essex:1.85 avon-and-somerset:1.7 devon-and-cornwall:1.8 sussex:1.7
lancashire:1.5 merseyside:1.4 south-yorkshire:1.4 northumbria:1.45 west-mercia:1.3
staffordshire:1.15 hertfordshire:1.2 south-wales:1.3 surrey:1.2 nottinghamshire:1.15
leicestershire:1.1 derbyshire:1.05 cheshire:1.1 humberside:0.95 cambridgeshire:0.9 norfolk:0.92
suffolk:0.76 lincolnshire:0.77 north-yorkshire:0.83 northamptonshire:0.79 wiltshire:0.73
bedfordshire:0.7 gloucestershire:0.64 durham:0.64 dorset:0.78 gwent:0.6 cleveland:0.57
warwickshire:0.6 north-wales:0.7 cumbria:0.5 dyfed-powys:0.52 city-of-london:0.15
"""
FORCE_WEIGHT: dict[str, float] = {
    force: float(weight) for force, _, weight in (token.partition(":") for token in _FORCE_WEIGHT.split())
}

# force|town,lat,lon,weight,postcode area|town,...  (a force may take several lines)
_TOWNS = """
metropolitan|Croydon,51.3762,-0.0982,3,CR|Ilford,51.5590,0.0741,2,IG|Wembley,51.5523,-0.2967,2,HA
metropolitan|Stratford,51.5416,-0.0034,2.5,E|Brixton,51.4613,-0.1156,2,SW
metropolitan|Camden Town,51.5390,-0.1426,2,NW|Hammersmith,51.4927,-0.2240,2,W
metropolitan|Lewisham,51.4615,-0.0139,2,SE|Romford,51.5754,0.1834,2,RM
metropolitan|Enfield,51.6523,-0.0807,1.5,EN|Kingston upon Thames,51.4123,-0.3007,1.5,KT
metropolitan|Harrow,51.5806,-0.3420,1.5,HA|Bromley,51.4039,0.0198,1.5,BR
metropolitan|Wood Green,51.5975,-0.1097,1.5,N|Peckham,51.4740,-0.0690,1.5,SE
metropolitan|Ealing,51.5130,-0.3089,1.5,W|Sutton,51.3618,-0.1945,1.2,SM
metropolitan|Hounslow,51.4668,-0.3615,1.5,TW|Walthamstow,51.5830,-0.0200,1.5,E
metropolitan|Oxford Street,51.5152,-0.1418,3,W
city-of-london|City of London,51.5155,-0.0922,1,EC
west-midlands|Birmingham,52.4814,-1.8998,5,B|Coventry,52.4068,-1.5197,2,CV
west-midlands|Wolverhampton,52.5862,-2.1288,1.5,WV|Walsall,52.5862,-1.9829,1,WS
west-midlands|Dudley,52.5123,-2.0811,1,DY|Solihull,52.4118,-1.7776,1,B
west-midlands|West Bromwich,52.5187,-1.9945,1,B|Sutton Coldfield,52.5700,-1.8200,0.7,B
greater-manchester|Manchester,53.4808,-2.2426,4,M|Salford,53.4875,-2.2901,1,M
greater-manchester|Stockport,53.4106,-2.1575,1.3,SK|Bolton,53.5769,-2.4282,1.3,BL
greater-manchester|Oldham,53.5409,-2.1114,1,OL|Rochdale,53.6097,-2.1561,1,OL
greater-manchester|Wigan,53.5450,-2.6325,1.2,WN|Bury,53.5933,-2.2966,0.8,BL
greater-manchester|Stretford,53.4460,-2.3090,0.8,M
west-yorkshire|Leeds,53.8008,-1.5491,4,LS|Bradford,53.7960,-1.7594,2.5,BD
west-yorkshire|Huddersfield,53.6458,-1.7850,1.5,HD|Wakefield,53.6833,-1.4977,1.3,WF
west-yorkshire|Halifax,53.7248,-1.8658,1,HX|Dewsbury,53.6910,-1.6330,0.7,WF
merseyside|Liverpool,53.4084,-2.9780,4,L|Birkenhead,53.3934,-3.0300,1.3,CH
merseyside|St Helens,53.4539,-2.7375,1,WA|Southport,53.6450,-3.0000,0.8,PR
merseyside|Bootle,53.4460,-2.9850,0.7,L|Kirkby,53.4820,-2.8920,0.5,L
south-yorkshire|Sheffield,53.3811,-1.4701,4,S|Doncaster,53.5228,-1.1285,2,DN
south-yorkshire|Rotherham,53.4300,-1.3568,1.5,S|Barnsley,53.5526,-1.4797,1.5,S
northumbria|Newcastle upon Tyne,54.9783,-1.6178,3,NE|Sunderland,54.9069,-1.3838,2,SR
northumbria|Gateshead,54.9527,-1.6034,1,NE|South Shields,54.9986,-1.4323,0.8,NE
northumbria|North Shields,55.0097,-1.4486,0.7,NE|Blyth,55.1270,-1.5090,0.5,NE
northumbria|Morpeth,55.1680,-1.6880,0.3,NE
durham|Durham,54.7761,-1.5733,1,DH|Darlington,54.5236,-1.5595,1.2,DL
durham|Chester-le-Street,54.8580,-1.5740,0.5,DH|Bishop Auckland,54.6640,-1.6770,0.5,DL
durham|Peterlee,54.7600,-1.3360,0.5,SR|Consett,54.8540,-1.8310,0.4,DH
cleveland|Middlesbrough,54.5742,-1.2350,2,TS|Stockton-on-Tees,54.5705,-1.3180,1.5,TS
cleveland|Hartlepool,54.6863,-1.2129,1,TS|Redcar,54.6170,-1.0690,0.7,TS
cumbria|Carlisle,54.8925,-2.9329,1.5,CA|Barrow-in-Furness,54.1108,-3.2261,1,LA
cumbria|Kendal,54.3280,-2.7460,0.8,LA|Workington,54.6425,-3.5440,0.7,CA
cumbria|Whitehaven,54.5490,-3.5870,0.6,CA|Penrith,54.6640,-2.7520,0.4,CA
lancashire|Preston,53.7632,-2.7031,2,PR|Blackpool,53.8175,-3.0357,2,FY
lancashire|Blackburn,53.7480,-2.4820,1.7,BB|Burnley,53.7890,-2.2480,1,BB
lancashire|Lancaster,54.0466,-2.8007,1,LA|Chorley,53.6530,-2.6320,0.7,PR
lancashire|Accrington,53.7530,-2.3640,0.6,BB
cheshire|Chester,53.1934,-2.8931,1.5,CH|Warrington,53.3900,-2.5970,2,WA
cheshire|Crewe,53.0979,-2.4416,1.2,CW|Macclesfield,53.2587,-2.1270,0.8,SK
cheshire|Widnes,53.3610,-2.7330,0.8,WA|Runcorn,53.3420,-2.7290,0.6,WA
cheshire|Northwich,53.2590,-2.5180,0.6,CW|Ellesmere Port,53.2790,-2.9010,0.6,CH
north-wales|Wrexham,53.0462,-2.9930,1.5,LL|Rhyl,53.3190,-3.4910,0.8,LL
north-wales|Bangor,53.2274,-4.1293,0.7,LL|Llandudno,53.3241,-3.8276,0.7,LL
north-wales|Colwyn Bay,53.2940,-3.7280,0.6,LL|Mold,53.1670,-3.1420,0.5,CH
north-wales|Holyhead,53.3090,-4.6330,0.3,LL
dyfed-powys|Carmarthen,51.8576,-4.3121,0.8,SA|Llanelli,51.6800,-4.1600,1,SA
dyfed-powys|Aberystwyth,52.4153,-4.0829,0.6,SY|Haverfordwest,51.8010,-4.9690,0.5,SA
dyfed-powys|Newtown,52.5130,-3.3130,0.4,SY|Brecon,51.9470,-3.3910,0.3,LD
dyfed-powys|Welshpool,52.6600,-3.1470,0.3,SY
south-wales|Cardiff,51.4816,-3.1791,4,CF|Swansea,51.6214,-3.9436,2.5,SA
south-wales|Bridgend,51.5040,-3.5770,1,CF|Merthyr Tydfil,51.7480,-3.3780,0.8,CF
south-wales|Pontypridd,51.6020,-3.3420,0.8,CF|Barry,51.4050,-3.2700,0.8,CF
south-wales|Neath,51.6630,-3.8060,0.7,SA|Port Talbot,51.5920,-3.7800,0.6,SA
gwent|Newport,51.5842,-2.9977,2,NP|Cwmbran,51.6530,-3.0210,1,NP|Pontypool,51.7010,-3.0440,0.6,NP
gwent|Ebbw Vale,51.7780,-3.2070,0.5,NP|Caerphilly,51.5740,-3.2180,0.7,CF
gwent|Abergavenny,51.8240,-3.0170,0.4,NP|Monmouth,51.8120,-2.7160,0.2,NP
avon-and-somerset|Bristol,51.4545,-2.5879,5,BS|Bath,51.3811,-2.3590,1.3,BA
avon-and-somerset|Weston-super-Mare,51.3460,-2.9700,1,BS|Taunton,51.0150,-3.1000,1,TA
avon-and-somerset|Yeovil,50.9420,-2.6330,0.8,BA|Bridgwater,51.1280,-3.0030,0.7,TA
devon-and-cornwall|Plymouth,50.3755,-4.1427,2.5,PL|Exeter,50.7184,-3.5339,2,EX
devon-and-cornwall|Torquay,50.4640,-3.5300,1,TQ|Truro,50.2632,-5.0510,0.7,TR
devon-and-cornwall|Barnstaple,51.0800,-4.0580,0.6,EX|Newquay,50.4150,-5.0750,0.5,TR
devon-and-cornwall|Penzance,50.1190,-5.5370,0.4,TR|Camborne,50.2130,-5.3000,0.4,TR
dorset|Bournemouth,50.7220,-1.8808,2.5,BH|Poole,50.7150,-1.9870,1.5,BH
dorset|Weymouth,50.6140,-2.4570,0.8,DT|Dorchester,50.7150,-2.4370,0.5,DT
wiltshire|Swindon,51.5558,-1.7797,2.5,SN|Salisbury,51.0688,-1.7945,1,SP
wiltshire|Chippenham,51.4610,-2.1160,0.7,SN|Trowbridge,51.3190,-2.2080,0.6,BA
gloucestershire|Gloucester,51.8642,-2.2382,2,GL|Cheltenham,51.8994,-2.0783,1.7,GL
gloucestershire|Stroud,51.7450,-2.2170,0.6,GL|Tewkesbury,51.9920,-2.1600,0.3,GL
hampshire|Southampton,50.9097,-1.4044,3,SO|Portsmouth,50.8198,-1.0880,3,PO
hampshire|Basingstoke,51.2667,-1.0876,1.2,RG|Winchester,51.0632,-1.3080,0.8,SO
hampshire|Aldershot,51.2480,-0.7630,0.7,GU|Newport (Isle of Wight),50.7010,-1.2920,0.6,PO
hampshire|Eastleigh,50.9670,-1.3730,0.6,SO|Andover,51.2080,-1.4800,0.5,SP
thames-valley|Reading,51.4543,-0.9781,2.5,RG|Oxford,51.7520,-1.2577,2,OX
thames-valley|Milton Keynes,52.0406,-0.7594,2.5,MK|Slough,51.5105,-0.5950,1.5,SL
thames-valley|High Wycombe,51.6287,-0.7482,1.2,HP|Aylesbury,51.8156,-0.8084,0.9,HP
thames-valley|Banbury,52.0629,-1.3398,0.7,OX|Bracknell,51.4150,-0.7500,0.8,RG
thames-valley|Maidenhead,51.5220,-0.7190,0.7,SL
surrey|Guildford,51.2362,-0.5704,1.5,GU|Woking,51.3190,-0.5580,1.2,GU|Epsom,51.3360,-0.2680,0.8,KT
surrey|Redhill,51.2400,-0.1700,0.8,RH|Staines,51.4330,-0.5100,0.8,TW
surrey|Camberley,51.3370,-0.7420,0.8,GU|Weybridge,51.3710,-0.4580,0.5,KT
sussex|Brighton,50.8290,-0.1372,3,BN|Crawley,51.1091,-0.1872,1.5,RH|Worthing,50.8179,-0.3729,1.3,BN
sussex|Eastbourne,50.7687,0.2800,1.2,BN|Hastings,50.8580,0.5735,1,TN
sussex|Chichester,50.8365,-0.7792,0.7,PO|Horsham,51.0620,-0.3250,0.7,RH
sussex|Bognor Regis,50.7860,-0.6760,0.6,PO
kent|Maidstone,51.2720,0.5290,1.5,ME|Canterbury,51.2802,1.0789,1.2,CT|Chatham,51.3800,0.5280,1.5,ME
kent|Dartford,51.4460,0.2170,1.2,DA|Ashford,51.1465,0.8750,1.2,TN|Margate,51.3860,1.3860,0.9,CT
kent|Folkestone,51.0810,1.1660,0.8,CT|Tunbridge Wells,51.1320,0.2630,0.9,TN
kent|Gravesend,51.4410,0.3700,0.8,DA
essex|Chelmsford,51.7356,0.4685,1.5,CM|Colchester,51.8959,0.8919,1.5,CO
essex|Southend-on-Sea,51.5459,0.7077,2,SS|Basildon,51.5761,0.4887,1.5,SS|Harlow,51.7730,0.1020,1,CM
essex|Brentwood,51.6210,0.3050,0.6,CM|Clacton-on-Sea,51.7920,1.1550,0.7,CO
essex|Grays,51.4780,0.3260,1,RM
hertfordshire|Watford,51.6565,-0.3903,1.5,WD|Stevenage,51.9038,-0.1966,1.2,SG
hertfordshire|St Albans,51.7550,-0.3360,1,AL|Hemel Hempstead,51.7530,-0.4490,1.2,HP
hertfordshire|Hatfield,51.7630,-0.2260,0.7,AL|Hertford,51.7960,-0.0780,0.5,SG
hertfordshire|Cheshunt,51.7020,-0.0350,0.7,EN
bedfordshire|Luton,51.8787,-0.4200,2.5,LU|Bedford,52.1360,-0.4667,1.8,MK
bedfordshire|Dunstable,51.8860,-0.5210,0.8,LU|Leighton Buzzard,51.9170,-0.6620,0.5,LU
cambridgeshire|Cambridge,52.2053,0.1218,2,CB|Peterborough,52.5695,-0.2405,2.2,PE
cambridgeshire|Huntingdon,52.3310,-0.1830,0.6,PE|Wisbech,52.6660,0.1590,0.5,PE
cambridgeshire|St Neots,52.2280,-0.2700,0.5,PE|Ely,52.3990,0.2630,0.4,CB
norfolk|Norwich,52.6309,1.2974,3,NR|Great Yarmouth,52.6060,1.7290,1,NR
norfolk|King's Lynn,52.7517,0.4020,1,PE|Thetford,52.4130,0.7490,0.5,IP
norfolk|Dereham,52.6810,0.9400,0.4,NR
suffolk|Ipswich,52.0567,1.1482,2.5,IP|Bury St Edmunds,52.2460,0.7110,1,IP
suffolk|Lowestoft,52.4780,1.7450,1,NR|Felixstowe,51.9640,1.3510,0.5,IP
suffolk|Haverhill,52.0830,0.4390,0.5,CB|Newmarket,52.2450,0.4040,0.4,CB
lincolnshire|Lincoln,53.2307,-0.5406,2,LN|Grantham,52.9120,-0.6410,0.9,NG
lincolnshire|Boston,52.9770,-0.0230,0.8,PE|Spalding,52.7870,-0.1530,0.6,PE
lincolnshire|Skegness,53.1440,0.3360,0.5,PE|Gainsborough,53.3990,-0.7750,0.5,DN
lincolnshire|Stamford,52.6530,-0.4800,0.5,PE
humberside|Hull,53.7676,-0.3274,3,HU|Grimsby,53.5675,-0.0800,1.5,DN
humberside|Scunthorpe,53.5890,-0.6540,1.3,DN|Bridlington,54.0830,-0.1920,0.7,YO
humberside|Beverley,53.8420,-0.4330,0.6,HU|Goole,53.7030,-0.8740,0.4,DN
north-yorkshire|York,53.9600,-1.0873,2.5,YO|Harrogate,53.9921,-1.5418,1.2,HG
north-yorkshire|Scarborough,54.2830,-0.4050,1,YO|Selby,53.7830,-1.0670,0.5,YO
north-yorkshire|Northallerton,54.3390,-1.4340,0.4,DL|Skipton,53.9620,-2.0170,0.4,BD
north-yorkshire|Whitby,54.4840,-0.6150,0.3,YO
derbyshire|Derby,52.9225,-1.4746,3,DE|Chesterfield,53.2350,-1.4210,1.5,S
derbyshire|Ilkeston,52.9710,-1.3090,0.6,DE|Swadlincote,52.7740,-1.5570,0.5,DE
derbyshire|Buxton,53.2590,-1.9110,0.4,SK|Glossop,53.4430,-1.9490,0.4,SK
derbyshire|Long Eaton,52.8990,-1.2710,0.5,NG
nottinghamshire|Nottingham,52.9548,-1.1581,4,NG|Mansfield,53.1472,-1.1987,1.5,NG
nottinghamshire|Newark-on-Trent,53.0760,-0.8090,0.7,NG|Worksop,53.3010,-1.1240,0.7,S
nottinghamshire|Beeston,52.9260,-1.2150,0.6,NG|Retford,53.3220,-0.9430,0.3,DN
leicestershire|Leicester,52.6369,-1.1398,4,LE|Loughborough,52.7721,-1.2062,1.2,LE
leicestershire|Hinckley,52.5410,-1.3730,0.8,LE|Coalville,52.7230,-1.3690,0.6,LE
leicestershire|Melton Mowbray,52.7660,-0.8860,0.5,LE|Market Harborough,52.4780,-0.9210,0.4,LE
leicestershire|Oakham,52.6700,-0.7280,0.2,LE
northamptonshire|Northampton,52.2405,-0.9027,2.5,NN|Kettering,52.3990,-0.7260,1,NN
northamptonshire|Corby,52.4880,-0.7010,1,NN|Wellingborough,52.3020,-0.6940,0.8,NN
northamptonshire|Daventry,52.2570,-1.1620,0.4,NN
warwickshire|Nuneaton,52.5230,-1.4680,1.3,CV|Rugby,52.3709,-1.2650,1.1,CV
warwickshire|Leamington Spa,52.2920,-1.5370,1,CV|Warwick,52.2820,-1.5850,0.6,CV
warwickshire|Stratford-upon-Avon,52.1920,-1.7070,0.6,CV|Bedworth,52.4790,-1.4690,0.5,CV
west-mercia|Worcester,52.1920,-2.2200,1.5,WR|Telford,52.6766,-2.4469,2,TF
west-mercia|Shrewsbury,52.7070,-2.7540,1.2,SY|Hereford,52.0565,-2.7160,1.2,HR
west-mercia|Kidderminster,52.3880,-2.2500,1,DY|Redditch,52.3090,-1.9450,1,B
west-mercia|Bromsgrove,52.3350,-2.0570,0.6,B|Malvern,52.1110,-2.3250,0.4,WR
staffordshire|Stoke-on-Trent,53.0027,-2.1794,3,ST|Stafford,52.8066,-2.1171,1,ST
staffordshire|Tamworth,52.6330,-1.6950,1,B|Burton upon Trent,52.8020,-1.6370,1,DE
staffordshire|Cannock,52.6910,-2.0320,1,WS|Newcastle-under-Lyme,53.0110,-2.2270,1,ST
staffordshire|Lichfield,52.6810,-1.8280,0.7,WS|Leek,53.1050,-2.0230,0.3,ST
"""

# Major stations with shops, policed by British Transport Police: name, lat, lon, town.
# fmt: off
STATIONS: tuple[tuple[str, float, float, str], ...] = (
    ("Birmingham New Street", 52.4778, -1.8990, "Birmingham"),
    ("London Euston", 51.5282, -0.1337, "Camden Town"),
    ("London King's Cross", 51.5308, -0.1238, "Camden Town"),
    ("London Waterloo", 51.5031, -0.1132, "Brixton"),
    ("London Paddington", 51.5154, -0.1755, "Oxford Street"),
    ("London Victoria", 51.4952, -0.1441, "Oxford Street"),
    ("London Liverpool Street", 51.5188, -0.0814, "City of London"),
    ("Stratford", 51.5416, -0.0034, "Stratford"),
    ("Manchester Piccadilly", 53.4774, -2.2309, "Manchester"),
    ("Leeds", 53.7950, -1.5475, "Leeds"),
    ("Liverpool Lime Street", 53.4075, -2.9776, "Liverpool"),
    ("Bristol Temple Meads", 51.4491, -2.5813, "Bristol"),
    ("Reading", 51.4588, -0.9718, "Reading"),
    ("Newcastle", 54.9683, -1.6174, "Newcastle upon Tyne"),
    ("Sheffield", 53.3781, -1.4620, "Sheffield"),
    ("Nottingham", 52.9470, -1.1462, "Nottingham"),
    ("Cardiff Central", 51.4757, -3.1791, "Cardiff"),
    ("York", 53.9580, -1.0930, "York"),
    ("Crewe", 53.0890, -2.4330, "Crewe"),
    ("Brighton", 50.8290, -0.1410, "Brighton"),
)
# fmt: on

# Motorway and trunk-road corridors as runs of neighbouring forces: the routes travelling
# groups work along (a spree moves a force or two along one of these).
_CORRIDORS = """
M1    metropolitan hertfordshire bedfordshire northamptonshire leicestershire nottinghamshire
      derbyshire south-yorkshire west-yorkshire
M6    west-midlands staffordshire cheshire greater-manchester lancashire cumbria
M5    west-midlands west-mercia gloucestershire avon-and-somerset devon-and-cornwall
M4    metropolitan thames-valley wiltshire avon-and-somerset gwent south-wales dyfed-powys
M62   merseyside greater-manchester west-yorkshire humberside
A1    hertfordshire bedfordshire cambridgeshire lincolnshire nottinghamshire south-yorkshire
      north-yorkshire durham northumbria
A19   north-yorkshire cleveland durham northumbria
M25   kent metropolitan essex hertfordshire thames-valley surrey
M2    city-of-london metropolitan kent
M3    metropolitan surrey hampshire dorset
M23   metropolitan surrey sussex
M11   metropolitan essex cambridgeshire norfolk
A14   northamptonshire cambridgeshire suffolk
M40   metropolitan thames-valley warwickshire west-midlands
M56   greater-manchester cheshire north-wales
M69   west-midlands warwickshire leicestershire nottinghamshire
A38   derbyshire staffordshire west-midlands
M18   south-yorkshire humberside lincolnshire
M61   greater-manchester lancashire
M58   merseyside lancashire cumbria
"""


def _parse_corridors() -> tuple[tuple[str, ...], ...]:
    corridors: list[list[str]] = []
    for line in _CORRIDORS.strip().splitlines():
        if line.startswith(" "):
            corridors[-1].extend(line.split())
        else:
            corridors.append(line.split()[1:])
    return tuple(tuple(c) for c in corridors)


CORRIDORS: tuple[tuple[str, ...], ...] = _parse_corridors()


@dataclass(frozen=True, slots=True)
class Town:
    """A real town: the centre stores cluster around, and its postcode area for addresses."""

    name: str
    force_id: str
    lat: float
    lon: float
    weight: float
    postcode_area: str


def _parse_towns() -> tuple[Town, ...]:
    towns: list[Town] = []
    for line in _TOWNS.strip().splitlines():
        force_id, *entries = line.split("|")
        for entry in entries:
            name, lat, lon, weight, area = entry.split(",")
            towns.append(Town(name, force_id, float(lat), float(lon), float(weight), area))
    return tuple(towns)


TOWNS: tuple[Town, ...] = _parse_towns()
