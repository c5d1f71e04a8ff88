"""Reference lists of the domain: structure kinds, départements, sector groups."""

STRUCTURE_KINDS: dict[str, str] = {
    "EI": "Entreprise d'insertion",
    "AI": "Association intermédiaire",
    "ACI": "Atelier et chantier d'insertion",
    "ETTI": "Entreprise de travail temporaire d'insertion",
    "EITI": "Entreprise d'insertion par le travail indépendant",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification",
    "EA": "Entreprise adaptée",
    "EATT": "Entreprise adaptée de travail temporaire",
    "ESAT": "Établissement et service d'aide par le travail",
}

IAE_KINDS = ("EI", "AI", "ACI", "ETTI", "EITI", "GEIQ")
DISABILITY_KINDS = ("EA", "EATT", "ESAT")

ILE_DE_FRANCE: dict[str, str] = {
    "75": "Paris",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
}

SECTORS: tuple[str, ...] = (
    "Bâtiment et travaux publics",
    "Hygiène et propreté",
    "Espaces verts et extérieurs",
    "Collecte et traitement des déchets",
    "Recyclage et économie circulaire",
    "Déménagements, livraisons et transports",
    "Restauration",
    "Agro-alimentaire",
    "Entretien du linge",
    "Sécurité et prévention",
    "Assistance générale et administrative",
    "Prestations informatiques",
    "Communication et marketing",
    "Sous-traitance industrielle",
    "Réparations et dépannages",
    "Ameublement, décoration, textile et artisanat",
    "Culture, divertissement et tourisme",
    "Prestations intellectuelles",
    "Services à la personne",
    "Médico-social",
)


def kind_label(code: str) -> str:
    return f"{code} — {STRUCTURE_KINDS[code]}" if code in STRUCTURE_KINDS else code
