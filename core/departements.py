"""Official list of French départements and the postcode → département rule.

Codes and names follow the INSEE Code officiel géographique: 96 départements of
metropolitan France (Corsica split into 2A and 2B, there is no « 20 ») and the five
overseas départements (DROM). Overseas collectivities such as Saint-Pierre-et-Miquelon
(975) or New Caledonia (988) are not départements and are deliberately absent.
"""

DEPARTEMENTS: dict[str, str] = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def departement_label(code: str) -> str:
    """« 93 (Seine-Saint-Denis) » for a known code, the code itself otherwise."""
    name = DEPARTEMENTS.get(code)
    return f"{code} ({name})" if name else code


def departement_of_postcode(postcode: str) -> str | None:
    """Return the code of the département a French postcode belongs to, or None.

    Guarantees: never raises; returns a key of DEPARTEMENTS or None. None is returned
    for anything that is not exactly five ASCII digits, and for postcodes outside the
    départements (Monaco 98000, Saint-Pierre-et-Miquelon 975xx, 96xxx, 00xxx…).

    Rule, which also holds for CEDEX postcodes (a CEDEX code keeps the prefix of the
    département of its distribution office, e.g. 75700 Paris Cedex 07 → 75):
    - 20xxx is Corsica: 200xx–201xx → 2A (Corse-du-Sud), 202xx–206xx → 2B (Haute-Corse);
    - 97xxx is overseas: the first three digits (971 Guadeloupe … 976 Mayotte);
    - otherwise the first two digits (75001 → 75, 01000 → 01).

    Limitation, on purpose: a handful of communes near a border are served by a post
    office of the neighbouring département, so their postcode prefix differs from their
    département. The prefix rule cannot know them; callers that compare the two should
    let the user fix either field.
    """
    if len(postcode) != 5 or not (postcode.isascii() and postcode.isdigit()):
        return None
    if postcode.startswith("20"):
        return _corsica(postcode)
    code = postcode[:3] if postcode.startswith("97") else postcode[:2]
    return code if code in DEPARTEMENTS else None


def _corsica(postcode: str) -> str | None:
    # The third digit tells the two Corsican départements apart; 207xx–209xx do not exist.
    third = postcode[2]
    if third in "01":
        return "2A"
    if third in "23456":
        return "2B"
    return None
