"""What is stolen, from whom, and how: retail chains, products, MO vocabulary and vehicles.

Organised retail crime concentrates on goods that resell easily (razor blades, baby formula,
cosmetics and fragrance, spirits, meat, power tools, designer clothing, electronics), so each
chain type sells a weighted mix of those categories and each group targets a profile of them.
Prices are typical UK shelf prices, rounded. All chain names and codes are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Chain:
    """A fictional retailer: ``weight`` is its relative number of stores."""

    code: str
    name: str
    kind: str  # one of CATEGORY_MIX's keys
    weight: float
    ref_style: int  # how it numbers its incidents (see _writer)
    utc: bool  # whether its system reports times in UTC ('Z') rather than local time


# code, kind, weight (relative store count), incident-ref style, clock, name
_CHAINS = """
NORTHMART supermarket 14 0 local Northmart
VALUEWAYS supermarket 12 1 utc Valueways
FRESHFIELD supermarket 9 2 local Freshfield Foods
BRIDGEWELL supermarket 6 0 utc Bridgewell Supermarkets
KINGSBURYS supermarket 5 1 local Kingsbury's
GREENLEAF supermarket 0.8 2 local Greenleaf Organics
PHARMACO pharmacy 9 0 local Pharmaco
WELLCARE pharmacy 5 2 utc Wellcare Chemists
BEAUTYBOX health_beauty 3 1 local Beauty Box
TOOLYARD diy 3 0 utc Toolyard DIY
HOMEBUILD diy 2 2 local Homebuild
BRICKWORKS diy 0.7 1 local Brickworks Trade
THREADS fashion 3 0 local Threads Fashion
ELEVATE fashion 0.8 2 local Elevate Menswear
MAISONROUGE fashion 0.4 1 utc Maison Rouge
URBANKIT sportswear 3 0 local Urban Kit Sports
SPORTSHED sportswear 1.5 1 local Sportshed
FOOTLANE footwear 1.5 2 utc Footlane Trainers
CORNERSTOP convenience 10 1 local CornerStop
DAILYBASKET convenience 7 0 local Daily Basket
QUIKSHOP convenience 4 2 utc QuikShop
VOLTSTORE electronics 2 0 local Volt Electricals
PIXELPOINT electronics 1.2 1 local PixelPoint
BARGAINBAY discount 5 2 local Bargain Bay
POUNDWISE discount 4 0 utc Poundwise
HARLOWFINCH department 1 1 local Harlow & Finch
"""
CHAINS: tuple[Chain, ...] = tuple(
    Chain(code, name, kind, float(weight), int(style), clock == "utc")
    for code, kind, weight, style, clock, name in (line.split(maxsplit=5) for line in _CHAINS.strip().splitlines())
)

# Relative attractiveness to thieves of a store of each kind (incidents per store).
KIND_HEAT: dict[str, float] = {
    "supermarket": 1.6, "pharmacy": 1.2, "health_beauty": 1.1, "diy": 0.8, "fashion": 0.7,
    "sportswear": 0.9, "footwear": 0.7, "convenience": 0.8, "electronics": 0.9, "discount": 0.7,
    "department": 1.2,
}  # fmt: skip

# category|description:unit price in GBP|...
_PRODUCTS = """
razor_blades|Gillette Fusion5 blades 8 pack:28|Gillette Mach3 blades 4 pack:12.5
razor_blades|Wilkinson Sword Hydro 5 blades 4 pack:14|Gillette Venus blades 4 pack:15
baby_formula|Aptamil First Infant Milk 800g:15.5|SMA Pro First Infant Milk 800g:13
baby_formula|Cow & Gate First Infant Milk 800g:12|Kendamil Infant Milk 800g:13.75
cosmetics|No7 Protect & Perfect serum 50ml:39|Maybelline Sky High mascara:11
cosmetics|L'Oreal Revitalift day cream 50ml:15|Rimmel Lasting Finish foundation:9
cosmetics|Charlotte Tilbury lipstick:28|Clinique moisturiser 125ml:35
fragrance|Dior Sauvage EDT 100ml:112|Paco Rabanne 1 Million EDT 100ml:92
fragrance|Chanel Coco Mademoiselle EDP 50ml:105|Hugo Boss Bottled EDT 100ml:79
fragrance|YSL Black Opium EDP 50ml:96
spirits|Smirnoff Red vodka 70cl:18|Jack Daniel's whiskey 70cl:26|Hennessy VS cognac 70cl:38
spirits|Baileys Irish Cream 1L:20|Gordon's gin 70cl:18.5|Grey Goose vodka 70cl:40
spirits|Jameson whiskey 70cl:25
wine|Prosecco 75cl:9|Champagne brut 75cl:32|Malbec red wine 75cl:10
meat|Beef sirloin steaks 2 pack:9.5|Beef fillet steak 400g:18|Lamb leg joint:16
meat|Chicken breast fillets 1kg:8|Beef roasting joint:14
cheese|Mature cheddar 550g:6|Parmigiano Reggiano 200g:5|Brie 200g:3
coffee|Nescafe Gold 200g:8|Lavazza coffee beans 1kg:16|Kenco Millicano 150g:6.5
confectionery|Cadbury Dairy Milk 360g:4.5|Lindt Lindor box 200g:7|Celebrations tub:6.5
laundry|Fairy non-bio pods 60:16|Persil 2in1 capsules 50:14|Lenor fabric conditioner:5
toiletries|Colgate Total toothpaste:4|Nivea shower gel:3.5|Dove deodorant 6 pack:12
toiletries|Oral-B iO electric toothbrush:150|Oral-B replacement heads 8 pack:30
medicines|Nurofen Express 32 capsules:7.5|Calpol 200ml:6|Gaviscon 600ml:12|Nicorette patches 14:28
vitamins|Seven Seas multivitamins 90:14|Vitamin D 180 tablets:10
tobacco|Cigarettes 20 pack:15.5|Rolling tobacco 30g:24|Disposable vapes 10 pack:50
power_tools|DeWalt 18V combi drill:149|Makita 18V impact driver:129|Bosch cordless circular saw:169
power_tools|Ryobi ONE+ battery 4Ah:79|Milwaukee M18 drill kit:249
hand_tools|Stanley 150 piece tool set:35|Socket set 94 piece:60|Spirit level 1200mm:25
garden|Bosch cordless hedge trimmer:99|Karcher pressure washer:179
designer_clothing|The North Face Nuptse jacket:280|Stone Island sweatshirt:220
designer_clothing|Ralph Lauren polo shirt:99|Moncler gilet:640|Hugo Boss tracksuit:180
designer_clothing|Canada Goose parka:895
clothing|Denim jeans:40|Women's wool coat:85|Men's shirt:30|Knitted jumper:35
sportswear|Nike Tech Fleece hoodie:100|Adidas tracksuit:70|Under Armour leggings:45
footwear|Nike Air Max 90 trainers:130|Adidas Samba trainers:90|New Balance 550 trainers:110
footwear|UGG boots:170
accessories|Designer sunglasses:160|Leather handbag:220|Smart watch strap:25
electronics|Apple AirPods Pro:229|Samsung Galaxy Buds:129|JBL Bluetooth speaker:90
electronics|Apple iPad 10.2:349|Fitbit Charge 6:139
gaming|PlayStation 5 controller:65|Nintendo Switch game:50|Xbox gift card:50
phone_accessories|USB-C fast charger:20|Phone case:15|Power bank 20000mAh:35
toys|LEGO set:60|Action figure:15
"""


def _products() -> dict[str, tuple[tuple[str, float], ...]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for line in _PRODUCTS.strip().splitlines():
        category, *entries = line.split("|")
        for entry in entries:
            description, _, price = entry.rpartition(":")
            out.setdefault(category, []).append((description, float(price)))
    return {category: tuple(items) for category, items in out.items()}


PRODUCTS: dict[str, tuple[tuple[str, float], ...]] = _products()

# kind category:weight ...  (indented lines continue the kind above)
_CATEGORY_MIX = """
supermarket meat:14 spirits:14 razor_blades:8 baby_formula:8 cosmetics:5 confectionery:8 cheese:6
    coffee:8 laundry:6 wine:6 toiletries:6 electronics:2 medicines:3
convenience spirits:20 meat:10 confectionery:15 wine:12 coffee:6 cheese:5 razor_blades:4
    baby_formula:3 laundry:4 toiletries:5 tobacco:8
pharmacy razor_blades:14 cosmetics:18 fragrance:14 baby_formula:12 medicines:10 toiletries:10
    vitamins:6
health_beauty cosmetics:30 fragrance:25 toiletries:10 razor_blades:8
diy power_tools:40 hand_tools:20 garden:8
fashion designer_clothing:40 clothing:30 accessories:15 footwear:10
sportswear sportswear:50 footwear:35 accessories:5
footwear footwear:80 sportswear:10
electronics electronics:60 phone_accessories:20 gaming:20
department fragrance:20 cosmetics:20 designer_clothing:20 accessories:15 electronics:10
discount confectionery:15 toiletries:20 laundry:15 cosmetics:10 razor_blades:8 phone_accessories:8
    toys:10
"""


def _category_mix() -> dict[str, tuple[tuple[str, float], ...]]:
    out: dict[str, list[tuple[str, float]]] = {}
    kind = ""
    for line in _CATEGORY_MIX.strip().splitlines():
        tokens = line.split()
        if not line.startswith(" "):
            kind, tokens = tokens[0], tokens[1:]
        for token in tokens:
            category, _, weight = token.partition(":")
            out.setdefault(kind, []).append((category, float(weight)))
    return {k: tuple(v) for k, v in out.items()}


CATEGORY_MIX: dict[str, tuple[tuple[str, float], ...]] = _category_mix()

# What organised groups go for: favoured categories, the chain kinds that sell them, and the
# MO tags such groups tend to use. Each group draws one profile.
# fmt: off
GROUP_PROFILES: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("razor_blades", "cosmetics", "fragrance", "baby_formula"),
     ("pharmacy", "health_beauty", "supermarket"),
     ("sweeping_shelves", "foil_lined_bag", "bag_stuffing", "distraction", "lookout")),
    (("power_tools", "hand_tools", "garden"),
     ("diy",),
     ("trolley_push_out", "fire_exit", "lookout", "threats_to_staff", "stolen_to_order")),
    (("meat", "spirits", "coffee", "cheese", "laundry"),
     ("supermarket", "convenience"),
     ("trolley_push_out", "bag_stuffing", "sweeping_shelves", "threats_to_staff", "face_covering")),
    (("designer_clothing", "sportswear", "footwear", "accessories"),
     ("fashion", "sportswear", "footwear", "department"),
     ("security_tag_removal", "foil_lined_bag", "distraction", "face_covering", "lookout")),
    (("electronics", "gaming", "phone_accessories"),
     ("electronics", "supermarket"),
     ("distraction", "security_tag_removal", "threats_to_staff", "stolen_to_order")),
    (("baby_formula", "razor_blades", "meat"),
     ("supermarket", "pharmacy", "convenience"),
     ("sweeping_shelves", "pushchair_concealment", "bag_stuffing", "lookout")),
)

# Tags lone offenders show, with weights.
LONE_TAGS: tuple[tuple[str, float], ...] = (
    ("concealment_in_clothing", 20), ("bag_stuffing", 16), ("self_checkout_abuse", 10),
    ("distraction", 5), ("aggressive_when_challenged", 8), ("pushchair_concealment", 3),
    ("face_covering", 5), ("security_tag_removal", 4), ("fire_exit", 3),
    ("repeat_victim_store", 4), ("under_influence", 5),
)
# fmt: on

TAG_PHRASES: dict[str, str] = {
    "distraction": "distracted staff while stock was taken",
    "foil_lined_bag": "concealed items in a foil-lined bag",
    "multiple_offenders": "entered together",
    "trolley_push_out": "filled a trolley and pushed it out without paying",
    "sweeping_shelves": "swept the shelf into bags",
    "threats_to_staff": "threatened staff who intervened",
    "getaway_vehicle": "drove off in a waiting vehicle",
    "lookout": "used a lookout at the door",
    "security_tag_removal": "removed security tags in the fitting room",
    "refund_fraud": "attempted refunds without a receipt",
    "concealment_in_clothing": "concealed items inside clothing",
    "bag_stuffing": "filled a shopping bag",
    "self_checkout_abuse": "scanned cheap items at the self-checkout",
    "aggressive_when_challenged": "became aggressive when challenged",
    "pushchair_concealment": "hid items in a pushchair",
    "face_covering": "wore face coverings",
    "fire_exit": "left by the fire exit",
    "stolen_to_order": "appeared to work from a list",
    "repeat_victim_store": "was recognised by staff from previous visits",
    "under_influence": "appeared under the influence",
    "till_snatch": "snatched cash from an open till",
    "out_of_hours_entry": "forced entry after closing",
    "damage_to_fixtures": "damaged fixtures and displays",
    "abuse_of_staff": "verbally abused staff",
}

# make|model:weight (vans and family cars dominate what groups use); "_" for a space
_VEHICLE_MODELS = """
Ford|Focus:8 Ford|Fiesta:8 Vauxhall|Corsa:8 Vauxhall|Astra:6 Volkswagen|Golf:7 Volkswagen|Passat:3
BMW|3_Series:4 Audi|A3:4 Mercedes-Benz|C-Class:3 Toyota|Prius:3 Nissan|Qashqai:5 Skoda|Octavia:4
Ford|Transit:5 Vauxhall|Vivaro:3 Peugeot|208:4 Kia|Sportage:3 Land_Rover|Range_Rover_Evoque:2
Honda|Civic:3 SEAT|Leon:3 Toyota|Yaris:3 Volkswagen|Transporter:2 Citroen|Berlingo:2 Renault|Clio:3
Mini|Cooper:2
"""
VEHICLE_MODELS: tuple[tuple[str, str, float], ...] = tuple(
    (make.replace("_", " "), model.replace("_", " "), float(weight))
    for make, model, weight in (
        (token.partition("|")[0], *token.partition("|")[2].rsplit(":", 1)) for token in _VEHICLE_MODELS.split()
    )
)
# fmt: off
COLOURS: tuple[tuple[str, float], ...] = (
    ("black", 10), ("silver", 10), ("grey", 9), ("white", 12), ("blue", 8), ("red", 6),
    ("dark blue", 3), ("green", 2), ("orange", 1), ("bronze", 1),
)
# How witnesses word a colour differently.
COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "silver": ("grey", "silver/grey", "light grey"), "grey": ("silver", "dark grey", "gunmetal"),
    "dark blue": ("navy", "blue"), "blue": ("dark blue", "light blue"),
    "black": ("dark", "black/dark grey"), "white": ("cream",), "red": ("maroon", "dark red"),
    "green": ("dark green",), "bronze": ("brown", "gold"),
}

# Clothing and features for descriptions.
UPPER = (
    "black North Face jacket", "grey hoodie", "navy puffer jacket", "black tracksuit top",
    "camouflage jacket", "white hoodie", "khaki parka", "red sports top", "black leather jacket",
    "dark blue Nike Tech top", "hi-vis vest", "beige trench coat",
)
LOWER = ("grey joggers", "black joggers", "blue jeans", "black jeans", "dark tracksuit bottoms",
         "leggings", "cargo trousers")
SHOES = ("white trainers", "black trainers", "work boots", "Nike Air Max", "sliders")
FEATURES = (
    "baseball cap", "beanie hat", "face mask", "carrying a large holdall", "tattoo on neck",
    "northern accent", "local accent", "scar on left cheek", "glasses", "beard", "shaved head",
    "carrying a rucksack", "hood up", "gloves",
)
# fmt: on
