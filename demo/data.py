"""The demonstration data set, as plain values: what `seed` writes.

The data tell one story:
- the 6th edition (21 November 2019, Argenteuil), whose call is closed, decided and
  published, with a published programme;
- the 7th edition (2027), whose call is open now, whatever day the demo is seeded,
  with a few drafts and submissions from Urtie and Initiatives 77 (the Essonne
  referent starts with none).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Deliberation, ItemKind, Role

DEMO_PASSWORD = "openmap-demo-2026"  # noqa: S105 — the demo accounts' published password, printed by manage.py

# ============================================================== data: networks

URTIE = "Urtie"
INITIATIVES_77 = "Initiatives 77"
INCLUSIV_ESSONNE = "Inclusiv'Essonne"
GRAFIE = "GRAFIE"
INSER_ECO_93 = "Inser'Eco 93"
PLIE_95 = "PLIE du Val-d'Oise"
CAP_HANDI = "Cap Handi Emploi Île-de-France"

# name, slug (for the example addresses), description
NETWORKS: tuple[tuple[str, str, str], ...] = (
    (URTIE, "urtie", "Réseau d'appui aux structures d'insertion, facilitateur de clauses sociales."),
    (INITIATIVES_77, "initiatives77", "Réseau des structures d'insertion de Seine-et-Marne."),
    (INCLUSIV_ESSONNE, "inclusiv-essonne", "Réseau des acteurs de l'inclusion en Essonne."),
    (GRAFIE, "grafie", "Groupement régional des acteurs franciliens de l'insertion par l'économique."),
    (INSER_ECO_93, "insereco93", "Réseau des structures d'insertion de Seine-Saint-Denis."),
    (PLIE_95, "plie95", "Plan local pour l'insertion et l'emploi : accompagnement et clauses sociales."),
    (CAP_HANDI, "cap-handi-idf", "Réseau des entreprises adaptées et ESAT franciliens."),
)

# ============================================================== data: accounts

# e-mail, full name, role, network (for referents)
ACCOUNTS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("admin@openmap.exemple.fr", "Léa Dupont", Role.ADMIN, None),
    ("pilote@openmap.exemple.fr", "Claire Martin", Role.PILOTE, None),
    ("evaluateur@openmap.exemple.fr", "Julien Bernard", Role.EVALUATEUR, None),
    ("reseau.urtie@openmap.exemple.fr", "Sophie Lefèvre", Role.RESEAU, URTIE),
    ("reseau.initiatives77@openmap.exemple.fr", "Karim Benali", Role.RESEAU, INITIATIVES_77),
    ("reseau.essonne@openmap.exemple.fr", "Nadia Rousseau", Role.RESEAU, INCLUSIV_ESSONNE),
)

# ============================================================== data: structures

BTP = "Bâtiment et travaux publics"
PROPRETE = "Hygiène et propreté"
ESPACES_VERTS = "Espaces verts et extérieurs"
DECHETS = "Collecte et traitement des déchets"
RECYCLAGE = "Recyclage et économie circulaire"
TRANSPORT = "Déménagements, livraisons et transports"
RESTAURATION = "Restauration"
AGRO = "Agro-alimentaire"
LINGE = "Entretien du linge"
SECURITE = "Sécurité et prévention"
ADMINISTRATIF = "Assistance générale et administrative"
INFORMATIQUE = "Prestations informatiques"
COMMUNICATION = "Communication et marketing"
INDUSTRIE = "Sous-traitance industrielle"
REPARATIONS = "Réparations et dépannages"
ARTISANAT = "Ameublement, décoration, textile et artisanat"
CULTURE = "Culture, divertissement et tourisme"
INTELLECTUEL = "Prestations intellectuelles"
SERVICES_PERSONNE = "Services à la personne"


@dataclass(frozen=True)
class StructureSeed:
    name: str
    kind: str
    postcode: str
    city: str
    address: str
    sectors: tuple[str, ...]
    workforce: int
    contact: str
    network: str  # the network that supports it and proposes its candidacies


S = StructureSeed
STRUCTURES: tuple[StructureSeed, ...] = (
    # Val-d'Oise
    S("Bâti'Insert 95", "EI", "95100", "Argenteuil", "14 rue des Gobelins", (BTP, REPARATIONS), 28,
      "Mourad Haddad", URTIE),
    S("Val Propreté Services", "EI", "95000", "Cergy", "3 avenue des Trois Fontaines", (PROPRETE, DECHETS), 35,
      "Isabelle Fournier", URTIE),
    S("Les Jardins du Vexin Solidaire", "ACI", "95300", "Pontoise", "2 chemin des Maraîchers",
      (ESPACES_VERTS, AGRO), 18, "Pierre Lemoine", PLIE_95),
    S("Intérim'Avenir 95", "ETTI", "95200", "Sarcelles", "27 boulevard de la Libération", (BTP, TRANSPORT), 60,
      "Samia Belkacem", URTIE),
    S("ESAT Les Ateliers de la Butte", "ESAT", "95400", "Villiers-le-Bel", "8 rue de la Butte",
      (INDUSTRIE, LINGE, ESPACES_VERTS), 72, "François Caron", CAP_HANDI),
    # Seine-et-Marne
    S("Initiatives Chantiers Briards", "ACI", "77100", "Meaux", "5 quai de la Marne", (BTP, ESPACES_VERTS), 22,
      "Aurélie Petit", INITIATIVES_77),
    S("Brie Recyclerie", "ACI", "77500", "Chelles", "41 avenue du Gendarme Castermant",
      (RECYCLAGE, ARTISANAT, DECHETS), 16, "Malik Diallo", INITIATIVES_77),
    S("Marne Emploi Services", "AI", "77200", "Torcy", "1 place de l'Appel du 18 Juin",
      (SERVICES_PERSONNE, PROPRETE), 90, "Hélène Garnier", INITIATIVES_77),
    S("GEIQ Travaux Publics Brie-Gâtinais", "GEIQ", "77000", "Melun", "12 rue Saint-Barthélemy", (BTP,), 34,
      "Olivier Mercier", INITIATIVES_77),
    S("Adapt'Logistique 77", "EA", "77127", "Lieusaint", "Parc d'activités de l'Étang, allée 4",
      (TRANSPORT, INDUSTRIE), 48, "Valérie Roux", CAP_HANDI),
    # Yvelines
    S("Yvelines Éco-Chantiers", "EI", "78200", "Mantes-la-Jolie", "19 rue de la Sangle", (BTP, RECYCLAGE, DECHETS),
      25, "Thierry Lambert", URTIE),
    S("Trappes Services Plus", "AI", "78190", "Trappes", "6 square Pierre Brossolette",
      (PROPRETE, SERVICES_PERSONNE), 75, "Fatoumata Traoré", GRAFIE),
    S("EA Versailles Numérique", "EA", "78000", "Versailles", "22 rue de la Paroisse",
      (INFORMATIQUE, ADMINISTRATIF), 30, "Cédric Vidal", CAP_HANDI),
    S("Les Cuisines Solidaires du Mantois", "ACI", "78200", "Mantes-la-Jolie", "4 allée des Tilleuls",
      (RESTAURATION, AGRO), 14, "Rachida Amrani", URTIE),
    # Essonne
    S("Essonne Bâti Solidaire", "EI", "91100", "Corbeil-Essonnes", "33 rue de Paris", (BTP, REPARATIONS), 21,
      "Guillaume Perrin", INCLUSIV_ESSONNE),
    S("Massy Clean Insertion", "EI", "91300", "Massy", "10 avenue Carnot", (PROPRETE, DECHETS), 40,
      "Sandrine Faure", INCLUSIV_ESSONNE),
    S("Tremplin Intérim Essonne", "ETTI", "91000", "Évry-Courcouronnes", "2 cours Blaise Pascal",
      (BTP, TRANSPORT, SECURITE), 85, "Yannick Morel", INCLUSIV_ESSONNE),
    S("ESAT Les Vergers de l'Orge", "ESAT", "91700", "Sainte-Geneviève-des-Bois", "15 route de Longpont",
      (ESPACES_VERTS, AGRO, LINGE), 64, "Martine Giraud", INCLUSIV_ESSONNE),
    S("Indépendants Solidaires 91", "EITI", "91000", "Évry-Courcouronnes", "7 place des Terrasses de l'Agora",
      (REPARATIONS, INTELLECTUEL), 12, "Bruno Chevalier", INCLUSIV_ESSONNE),
    # Hauts-de-Seine
    S("Hauts-de-Seine Déconstruction", "EI", "92230", "Gennevilliers", "50 avenue du Vieux Chemin de Saint-Denis",
      (BTP, DECHETS, RECYCLAGE), 32, "Laurent Blanc", GRAFIE),
    S("Colombes Services Linge", "ACI", "92700", "Colombes", "9 rue du Bournard", (LINGE, ARTISANAT), 20,
      "Amina Cissé", GRAFIE),
    S("EATT Compétences 92", "EATT", "92000", "Nanterre", "118 avenue Georges Clemenceau",
      (ADMINISTRATIF, SECURITE, TRANSPORT), 55, "Philippe Marchand", CAP_HANDI),
    S("Nanterre Proximité Emploi", "AI", "92000", "Nanterre", "3 rue des Anciennes Mairies",
      (PROPRETE, SERVICES_PERSONNE), 110, "Christine Lopez", GRAFIE),
    # Seine-Saint-Denis
    S("Sequano Bâtisseurs", "EI", "93200", "Saint-Denis", "16 rue de la Légion d'Honneur", (BTP,), 38,
      "Ibrahim Koné", INSER_ECO_93),
    S("Bobigny Sécurité Insertion", "EI", "93000", "Bobigny", "25 avenue Paul Vaillant-Couturier", (SECURITE,), 44,
      "Nathalie Renard", INSER_ECO_93),
    S("La Ressourcerie des Murs-à-Pêches", "ACI", "93100", "Montreuil", "60 rue Saint-Antoine",
      (RECYCLAGE, ARTISANAT, DECHETS), 19, "Jérôme Aubert", INSER_ECO_93),
    S("GEIQ Propreté Nord-Est Francilien", "GEIQ", "93300", "Aubervilliers", "11 rue du Moutier", (PROPRETE,), 46,
      "Sabrina Meziane", INSER_ECO_93),
    S("Intérim Solidaire Plaine Commune", "ETTI", "93210", "Saint-Denis", "4 avenue du Stade de France",
      (BTP, TRANSPORT), 70, "Mathieu Robin", INSER_ECO_93),
    # Val-de-Marne
    S("Val-de-Marne Espaces Verts Insertion", "ACI", "94000", "Créteil", "1 rue des Écoles", (ESPACES_VERTS,), 24,
      "Anne Leroy", GRAFIE),
    S("Ivry Logistique Adaptée", "EA", "94200", "Ivry-sur-Seine", "37 rue Molière", (TRANSPORT, INDUSTRIE), 45,
      "Stéphane Noël", CAP_HANDI),
    S("Vitry Bâtiment Second Œuvre", "EI", "94400", "Vitry-sur-Seine", "13 rue Édouard Til", (BTP, REPARATIONS), 26,
      "Céline Marty", GRAFIE),
    # Paris
    S("Paris Repas Solidaires", "EI", "75019", "Paris", "85 rue de Crimée", (RESTAURATION, AGRO), 30,
      "Moussa Camara", GRAFIE),
    S("Atelier Numérique du Treizième", "EA", "75013", "Paris", "24 rue du Chevaleret",
      (INFORMATIQUE, COMMUNICATION), 27, "Julie Henry", CAP_HANDI),
    S("Coursiers Verts Parisiens", "EI", "75018", "Paris", "5 rue Ordener", (TRANSPORT,), 33,
      "Kevin Dumas", GRAFIE),
    S("Travailleurs Indépendants Solidaires Paris", "EITI", "75011", "Paris", "18 rue Oberkampf",
      (COMMUNICATION, INTELLECTUEL, CULTURE), 15, "Élodie Brunet", GRAFIE),
    S("ESAT Blanchisserie de Paris-Est", "ESAT", "75020", "Paris", "40 rue des Pyrénées", (LINGE, PROPRETE), 80,
      "Patrick Gauthier", CAP_HANDI),
)
del S

# ============================================================== data: calls

DEFAULT_CRITERIA: tuple[tuple[str, str, int], ...] = (
    ("Adéquation avec le thème", "L'offre répond-elle aux besoins des acheteurs sur le thème de la rencontre ?", 3),
    ("Capacité à répondre aux marchés publics",
     "Références, moyens humains et matériels, aptitude à candidater seul ou en groupement.", 2),
    ("Impact sur l'insertion et l'emploi",
     "Nombre de parcours, qualité de l'accompagnement, sorties vers l'emploi.", 2),
    ("Clarté de l'offre", "La présentation est-elle claire et compréhensible par un acheteur en cinq minutes ?", 1),
)


@dataclass(frozen=True)
class CandidacySeed:
    structure: str
    presenter: str
    presenter_role: str
    pitch_title: str
    pitch_summary: str | None = None
    buyer_offer: str | None = None
    public_references: str | None = None
    submitted: bool = True
    # 6th edition only: decision and the reviewer's scores, in the order of DEFAULT_CRITERIA
    decision: Deliberation = Deliberation.PENDING
    scores: tuple[int, int, int, int] | None = None


C = CandidacySeed
SELECTED, WAITLISTED, NOT_SELECTED = Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED

EDITION_6_CANDIDACIES: tuple[CandidacySeed, ...] = (
    # The six selected, in pitch order.
    C("Bâti'Insert 95", "Mourad Haddad", "Directeur",
      "Second œuvre en site occupé : des équipes en insertion sur vos chantiers",
      "Entreprise d'insertion du bâtiment installée à Argenteuil depuis 2009, Bâti'Insert 95 réalise des travaux "
      "de plâtrerie, de peinture et de petite maçonnerie avec des salariés en parcours d'insertion, encadrés par "
      "des chefs d'équipe issus du métier.",
      "Lots de second œuvre en sous-traitance ou en cotraitance ; équipes mises à disposition pour réaliser les "
      "heures d'insertion des clauses sociales ; interventions en site occupé (logements, écoles).",
      "Réhabilitation de 120 logements sociaux à Argenteuil, lot peinture (bailleur social, 2018) ; rénovation "
      "de deux groupes scolaires pour une commune du Val-d'Oise (2017-2018).",
      decision=SELECTED, scores=(5, 4, 5, 4)),
    C("Sequano Bâtisseurs", "Ibrahim Koné", "Gérant",
      "Terrassement et voirie : l'insertion au cœur des chantiers du Grand Paris",
      "Entreprise d'insertion de travaux publics (terrassement, voirie et réseaux divers) qui forme chaque année "
      "une trentaine de salariés aux métiers de manœuvre, de canalisateur et de conducteur d'engins.",
      "Lots VRD de petite et moyenne taille, voiries provisoires et aménagements de surface ; cotraitance avec "
      "les entreprises générales pour les marchés comportant une clause sociale.",
      "Aménagement des abords d'une future gare du Grand Paris Express, en sous-traitance (2018-2019) ; "
      "réfection de voiries pour un établissement public territorial de Seine-Saint-Denis (accord-cadre "
      "2017-2020).",
      decision=SELECTED, scores=(5, 5, 4, 4)),
    C("Hauts-de-Seine Déconstruction", "Laurent Blanc", "Responsable d'exploitation",
      "Curage, dépose sélective et tri des déchets de chantier",
      "Nous préparons les bâtiments avant démolition ou réhabilitation : curage, dépose sélective des "
      "matériaux réemployables et tri à la source, pour plus de 80 % de déchets valorisés.",
      "Curage et dépose sélective ; tri et évacuation des déchets vers des filières agréées, avec bordereaux de "
      "suivi ; diagnostic ressources en vue du réemploi ; intervention seule ou en groupement.",
      "Curage d'un ancien site industriel pour un aménageur public des Hauts-de-Seine (2019) ; dépose sélective "
      "avant la réhabilitation d'un lycée, marché régional (2018).",
      decision=SELECTED, scores=(5, 4, 4, 5)),
    C("Tremplin Intérim Essonne", "Yannick Morel", "Directeur d'agence",
      "Des intérimaires préparés pour réaliser vos heures d'insertion",
      "Entreprise de travail temporaire d'insertion, Tremplin Intérim Essonne met à la disposition des "
      "titulaires de marchés publics des salariés accompagnés vers un emploi durable.",
      "Manœuvres, aides-maçons, aides-électriciens et agents logistiques de chantier ; suivi des heures "
      "d'insertion et bilans réguliers transmis au facilitateur de la clause sociale.",
      "Plus de 40 000 heures d'insertion réalisées en 2018 sur des chantiers de l'Essonne, dont la construction "
      "d'un collège et le prolongement d'une ligne de tramway, pour le compte des entreprises titulaires.",
      decision=SELECTED, scores=(4, 4, 5, 4)),
    C("GEIQ Travaux Publics Brie-Gâtinais", "Olivier Mercier", "Délégué général",
      "Recruter et qualifier en alternance pour les travaux publics",
      "Le groupement réunit une vingtaine d'entreprises de travaux publics de Seine-et-Marne et recrute des "
      "personnes éloignées de l'emploi en contrat de professionnalisation, jusqu'à la qualification.",
      "Parcours qualifiants de canalisateur, de constructeur de routes et de conducteur d'engins, adossés aux "
      "clauses sociales des marchés de travaux ; appui aux acheteurs pour calibrer les heures d'insertion.",
      "Parcours conduits dans le cadre de marchés d'assainissement d'une communauté d'agglomération de "
      "Seine-et-Marne (2016-2019) et de travaux routiers départementaux (2018).",
      decision=SELECTED, scores=(4, 5, 5, 3)),
    C("Ivry Logistique Adaptée", "Stéphane Noël", "Directeur",
      "Logistique de chantier et entretien des bases vie",
      "Entreprise adaptée de 45 salariés, dont quatre sur cinq en situation de handicap, nous assurons la "
      "logistique des chantiers : réception et stockage des matériaux, approvisionnement des étages, entretien "
      "des bases vie.",
      "Marchés réservés aux entreprises adaptées (article L2113-12 du Code de la commande publique) ou "
      "sous-traitance : gestion des livraisons, entretien et nettoyage des bases vie, contrôle des accès.",
      "Entretien des bases vie d'un chantier de rénovation urbaine à Ivry-sur-Seine (2018-2019) ; marché réservé "
      "de manutention pour un établissement public du Val-de-Marne (2017-2020).",
      decision=SELECTED, scores=(4, 4, 4, 5)),
    # Waiting list, by rank.
    C("Bobigny Sécurité Insertion", "Nathalie Renard", "Directrice",
      "Gardiennage et prévention sur les chantiers",
      "Entreprise d'insertion qui forme ses salariés aux métiers de la sécurité privée, de l'agent de prévention "
      "au chef de poste.",
      "Surveillance des chantiers de jour comme de nuit, contrôle des accès, rondes, gestion des badges et des "
      "clés.",
      "Gardiennage du chantier d'un équipement sportif départemental en Seine-Saint-Denis (2018-2019).",
      decision=WAITLISTED, scores=(4, 3, 4, 4)),
    C("Yvelines Éco-Chantiers", "Thierry Lambert", "Gérant",
      "Chantiers propres : tri, réemploi et nettoyage de fin de travaux",
      "Entreprise d'insertion du Mantois spécialisée dans la propreté des chantiers et la valorisation des "
      "déchets du bâtiment.",
      "Nettoyage de chantier en cours de travaux et à la livraison, mise en place du tri sur site, collecte des "
      "matériaux réemployables.",
      "Nettoyage de fin de chantier pour un programme de logements à Mantes-la-Jolie (2019).",
      decision=WAITLISTED, scores=(4, 3, 3, 4)),
    # Not selected this time.
    C("Intérim'Avenir 95", "Samia Belkacem", "Chargée de développement",
      "L'intérim d'insertion au service des clauses sociales du Val-d'Oise",
      "Entreprise de travail temporaire d'insertion du Val-d'Oise, présente sur les chantiers de l'est du "
      "département.",
      "Mise à disposition de personnel de chantier et de logistique, accompagnement socioprofessionnel.",
      "Missions d'intérim sur des chantiers de renouvellement urbain à Sarcelles (2017-2019).",
      decision=NOT_SELECTED, scores=(3, 3, 4, 2)),
    C("Initiatives Chantiers Briards", "Aurélie Petit", "Encadrante technique",
      "Petits travaux de maçonnerie paysagère et de voirie",
      "Atelier et chantier d'insertion du pays de Meaux, qui remet en état murets, allées et abords de "
      "bâtiments publics.",
      "Maçonnerie paysagère, petits ouvrages de voirie, remise en état des abords après travaux.",
      "Restauration de murets pour une commune du pays de Meaux (2019).",
      decision=NOT_SELECTED, scores=(3, 2, 4, 3)),
    C("Massy Clean Insertion", "Sandrine Faure", "Gérante",
      "Nettoyage de fin de chantier",
      "Entreprise d'insertion de propreté qui intervient à la livraison des bâtiments neufs ou réhabilités.",
      "Nettoyage de fin de chantier, vitrerie, remise en état avant réception.",
      "Nettoyage de livraison de deux résidences étudiantes à Massy (2018).",
      decision=NOT_SELECTED, scores=(3, 3, 3, 3)),
    C("Vitry Bâtiment Second Œuvre", "Céline Marty", "Conductrice de travaux",
      "Menuiserie intérieure et plâtrerie",
      "Entreprise d'insertion du second œuvre qui forme ses salariés à la pose de cloisons, de plafonds et de "
      "menuiseries intérieures.",
      "Lots cloisons, doublages, plafonds et menuiseries intérieures, en sous-traitance.",
      "Sous-traitance du lot cloisons d'une école maternelle du Val-de-Marne (2019).",
      decision=NOT_SELECTED, scores=(3, 2, 3, 3)),
)

EDITION_7_CANDIDACIES: tuple[CandidacySeed, ...] = (
    C("Val Propreté Services", "Isabelle Fournier", "Directrice",
      "Propreté des bâtiments publics : une offre complète et inclusive",
      "Entreprise d'insertion de propreté de l'agglomération de Cergy-Pontoise : 35 salariés en parcours, "
      "formés aux techniques et aux produits écolabellisés.",
      "Entretien courant de bureaux, d'écoles et d'équipements sportifs ; remise en état ; vitrerie ; "
      "nettoyage après événements.",
      "Entretien de deux gymnases municipaux à Cergy (2021-2024) ; nettoyage des locaux d'une communauté "
      "d'agglomération, en cotraitance (2023-2026)."),
    C("Yvelines Éco-Chantiers", "Thierry Lambert", "Gérant",
      "Déchets du bâtiment : collecte, tri et réemploi",
      "Entreprise d'insertion du Mantois qui collecte et trie les déchets du bâtiment et oriente les matériaux "
      "vers le réemploi.",
      "Collecte des déchets de petits chantiers communaux, tri sur plateforme, traçabilité des flux et "
      "bilans de valorisation.",
      "Collecte des déchets de chantier des services techniques d'une commune des Yvelines (2022-2025)."),
    C("Intérim'Avenir 95", "Samia Belkacem", "Chargée de développement",
      "Agents de propreté urbaine en intérim d'insertion", submitted=False),
    C("Brie Recyclerie", "Malik Diallo", "Coordinateur",
      "Recyclerie : donner une seconde vie aux encombrants des collectivités",
      "Atelier et chantier d'insertion qui collecte, répare et revend le mobilier et les objets, à Chelles "
      "depuis 2015.",
      "Collecte préservante des encombrants, tri et réparation du mobilier, animations de sensibilisation au "
      "réemploi.",
      "Convention de collecte avec un syndicat intercommunal de traitement des déchets de Seine-et-Marne "
      "(2020-2026)."),
    C("Marne Emploi Services", "Hélène Garnier", "Directrice",
      "Renfort de personnel pour l'entretien des locaux",
      "Association intermédiaire du val de Marne (Seine-et-Marne) qui met à disposition des collectivités des "
      "salariés en parcours d'insertion.",
      "Mise à disposition d'agents d'entretien pour les remplacements et les pics d'activité, encadrée et suivie.",
      "Remplacements d'agents d'entretien dans les écoles d'une commune de Seine-et-Marne (2022-2026)."),
    C("Initiatives Chantiers Briards", "Aurélie Petit", "Encadrante technique",
      "Entretien des espaces verts et des berges",
      "Atelier et chantier d'insertion du pays de Meaux.", submitted=False),
)
del C

# ============================================================== data: programme of the 6th edition

PITCHES_TITLE = "Présentations express des SIAE et EA"

# kind, title, description, speakers, minutes, back to back from 09:00; the PITCHES item is
# the call's pitch session: its pitches are read from the selection (six × 5 min, 1 min apart).
EDITION_6_PROGRAMME: tuple[tuple[ItemKind, str, str | None, str | None, int], ...] = (
    (ItemKind.WELCOME, "Accueil des participants", "Café d'accueil et remise des badges.", None, 30),
    (ItemKind.PLENARY, "Plénière : les clauses sociales dans les chantiers franciliens",
     "Ouverture de la rencontre, chiffres clés des clauses sociales en Île-de-France et témoignages d'acheteurs.",
     "La mission d'appui aux clauses sociales (MACS) ; un acheteur public du Val-d'Oise", 35),
    (ItemKind.WORKSHOP, "Atelier : les marchés réservés",
     "Réserver un marché ou un lot aux SIAE, aux EA et ESAT, ou aux deux : articles L2113-12 à L2113-14 du Code "
     "de la commande publique, cas pratiques.",
     "Juriste de la commande publique ; facilitatrice des clauses sociales", 40),
    (ItemKind.PITCHES, PITCHES_TITLE, "Six structures présentent leur offre en cinq minutes chacune.", None, 35),
    (ItemKind.BREAK, "Pause", None, None, 10),
    (ItemKind.BILATERAL, "Rendez-vous bilatéraux",
     "Rencontres de vingt minutes entre acheteurs et structures, sur inscription.", None, 45),
    (ItemKind.CLOSING, "Clôture", "Synthèse de la matinée et prochaines rencontres.", None, 15),
)
MAIN_ROOM = "Grande salle"
PROGRAMME_ROOMS = {ItemKind.WORKSHOP: "Salle Vilar 2", ItemKind.BILATERAL: "Espace rendez-vous"}
