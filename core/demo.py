"""Demonstration data: networks, accounts, structures, two editions with their calls.

Everything here is fictitious. Structures have invented names, valid but invented
SIRETs (see `demo_siret`), phone numbers in the range ARCEP reserves for fiction
(01 99 00 xx xx) and e-mail addresses and websites under exemple.fr. The networks
Urtie, Initiatives 77, Inclusiv'Essonne… exist, but their contacts here do not.

`seed_demo` writes in the caller's session and does not commit; `manage.py seed-demo`
runs it in one unit of work. No audit rows are written for seed data.

The data tell one story:
- the 6th edition (21 November 2019, Argenteuil), whose call is closed, decided and
  published, with a published programme;
- the 7th edition (2027), whose call is open now, whatever day the demo is seeded,
  with a few drafts and submissions from Urtie and Initiatives 77 (the Essonne
  referent starts with none).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from core.accounts.passwords import hash_password
from core.clock import paris_to_utc, to_paris, utcnow
from core.departements import departement_of_postcode
from core.permissions import ROLE_LABELS
from core.reference import ILE_DE_FRANCE, SECTORS, STRUCTURE_KINDS
from db.models import (
    Call,
    CallDepartement,
    CallKind,
    CallState,
    Candidacy,
    Confirmation,
    Criterion,
    Deliberation,
    Edition,
    ItemKind,
    Network,
    ProgrammeItem,
    ProgrammeVersion,
    Publication,
    Review,
    Role,
    Score,
    Sector,
    Structure,
    StructureKind,
    Submission,
    User,
)

DEMO_PASSWORD = "openmap-demo-2026"  # demonstration only, printed by manage.py

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
    ("Impact sur l'insertion et l'emploi", "Nombre de parcours, qualité de l'accompagnement, sorties vers l'emploi.", 2),
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

# kind, title, description, speakers, minutes; the PITCHES item introduces the session
# and is followed by one PITCH item per confirmed presenter.
EDITION_6_PROGRAMME: tuple[tuple[ItemKind, str, str | None, str | None, int], ...] = (
    (ItemKind.WELCOME, "Accueil des participants", "Café d'accueil et remise des badges.", None, 30),
    (ItemKind.PLENARY, "Plénière : les clauses sociales dans les chantiers franciliens",
     "Ouverture de la rencontre, chiffres clés des clauses sociales en Île-de-France et témoignages d'acheteurs.",
     "La mission d'appui aux clauses sociales (MACS) ; un acheteur public du Val-d'Oise", 35),
    (ItemKind.WORKSHOP, "Atelier : les marchés réservés",
     "Réserver un marché ou un lot aux SIAE, aux EA et ESAT, ou aux deux : articles L2113-12 à L2113-14 du Code "
     "de la commande publique, cas pratiques.",
     "Juriste de la commande publique ; facilitatrice des clauses sociales", 40),
    (ItemKind.PITCHES, PITCHES_TITLE, "Six structures présentent leur offre en cinq minutes chacune.", None, 5),
    (ItemKind.BREAK, "Pause", None, None, 10),
    (ItemKind.BILATERAL, "Rendez-vous bilatéraux",
     "Rencontres de vingt minutes entre acheteurs et structures, sur inscription.", None, 60),
)

# ============================================================== helpers


def _slug(text: str) -> str:
    """« Bâti'Insert 95 » → « bati-insert-95 »."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def demo_siret(index: int) -> str:
    """A valid, deterministic, invented SIRET: Luhn-valid SIREN, head-office NIC 0001x."""
    body = f"{81_200_000 + 7_919 * index:08d}"
    siren = body + luhn.calc_check_digit(body)
    head = siren + "0001"
    number = head + luhn.calc_check_digit(head)
    if not stdnum_siret.is_valid(number):  # never expected: the two keys make it valid
        raise AssertionError(f"invalid demo SIRET {number}")
    return number


def demo_phone(index: int) -> str:
    """A number of the range ARCEP reserves for fiction: 01 99 00 00 00 to 01 99 00 99 99."""
    return f"01 99 00 {index // 100 % 100:02d} {index % 100:02d}"


def _person_email(person: str, domain: str) -> str:
    return f"{_slug(person).replace('-', '.')}@{domain}"


def _paris(day: date, hour: int, minute: int = 0) -> datetime:
    return paris_to_utc(day, time(hour, minute))


def _add_minutes(at: time, minutes: int) -> time:
    return (datetime.combine(date(2000, 1, 1), at) + timedelta(minutes=minutes)).time()


# ============================================================== public functions


def database_is_empty(session: Session) -> bool:
    """True when there is no user, no network and no edition (sectors do not count)."""
    return all(session.scalar(select(model.id).limit(1)) is None for model in (User, Network, Edition))


def seed_demo(session: Session) -> list[tuple[str, str]]:
    """Create the demonstration data in the session, without committing.

    Returns (French role label, e-mail) of each demo account, whose password is
    DEMO_PASSWORD. Expects a database without these networks, accounts or editions
    (see database_is_empty); unique constraints refuse a second run.
    """
    now = utcnow()
    sectors = _ensure_sectors(session)
    networks = _create_networks(session)
    users = _create_accounts(session, networks)
    structures = _create_structures(session, sectors)
    session.flush()
    _seed_edition_6(session, networks, users, structures)
    _seed_edition_7(session, networks, users, structures, now)
    session.flush()
    return [(_account_label(user), user.email) for user in users.values()]


# ============================================================== builders


def _ensure_sectors(session: Session) -> dict[str, Sector]:
    """The sector rows by label. Migration 0002 inserts them; any missing (a table
    emptied by hand or by the test fixtures) is added back here."""
    by_label = {sector.label: sector for sector in session.scalars(select(Sector))}
    for position, label in enumerate(SECTORS, start=1):
        if label not in by_label:
            by_label[label] = Sector(label=label, position=position)
            session.add(by_label[label])
    return by_label


def _create_networks(session: Session) -> dict[str, Network]:
    networks = {}
    for name, slug, description in NETWORKS:
        networks[name] = Network(
            name=name,
            description=f"{description} (données de démonstration)",
            contact_email=f"contact@{slug}.exemple.fr",
            website=f"https://www.{slug}.exemple.fr",
        )
        session.add(networks[name])
    return networks


def _create_accounts(session: Session, networks: dict[str, Network]) -> dict[str, User]:
    """One account per role and one referent per network in ACCOUNTS, keyed by e-mail."""
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once
    users = {}
    for email, full_name, role, network_name in ACCOUNTS:
        users[email] = User(
            email=email,
            full_name=full_name,
            role=role,
            network=networks[network_name] if network_name else None,
            password_hash=password_hash,
        )
        session.add(users[email])
    return users


def _account_label(user: User) -> str:
    label = ROLE_LABELS[user.role]
    return f"{label} {user.network.name}" if user.network else label


def _create_structures(session: Session, sectors: dict[str, Sector]) -> dict[str, Structure]:
    structures = {}
    for index, seed in enumerate(STRUCTURES, start=1):
        slug = _slug(seed.name)
        structures[seed.name] = Structure(
            siret=demo_siret(index),
            name=seed.name,
            kind=StructureKind(seed.kind),
            address=seed.address,
            postcode=seed.postcode,
            city=seed.city,
            departement=departement_of_postcode(seed.postcode),
            website=f"https://www.{slug}.exemple.fr",
            insertion_workforce=seed.workforce,
            contact_name=seed.contact,
            contact_email=_person_email(seed.contact, f"{slug}.exemple.fr"),
            contact_phone=demo_phone(index),
            sectors=[sectors[label] for label in seed.sectors],
        )
        session.add(structures[seed.name])
    return structures


def _new_call(
    edition: Edition,
    *,
    theme_title: str,
    theme_description: str,
    opens_at: datetime,
    closes_at: datetime,
    state: CallState,
    pitch_slots: int,
    invited: list[Network],
) -> Call:
    """A call open to every structure kind of Île-de-France, with the default criteria."""
    return Call(
        edition=edition,
        theme_title=theme_title,
        theme_description=theme_description,
        opens_at=opens_at,
        closes_at=closes_at,
        state=state,
        pitch_slots=pitch_slots,
        pitch_minutes=5,
        criteria=[
            Criterion(label=label, description=description, weight=weight, position=position)
            for position, (label, description, weight) in enumerate(DEFAULT_CRITERIA, start=1)
        ],
        eligible_kinds=[CallKind(kind=StructureKind(code)) for code in STRUCTURE_KINDS],
        eligible_departements=[CallDepartement(departement=code) for code in ILE_DE_FRANCE],
        invited_networks=invited,
    )


def _new_candidacy(
    call: Call, seed: CandidacySeed, structure: Structure, network: Network, author: User | None, at: datetime
) -> Candidacy:
    return Candidacy(
        call=call,
        structure=structure,
        network=network,
        name=structure.name,
        kind=structure.kind,
        address=structure.address,
        postcode=structure.postcode,
        city=structure.city,
        departement=structure.departement,
        website=structure.website,
        insertion_workforce=structure.insertion_workforce,
        sectors=[sector.label for sector in structure.sectors],
        contact_name=structure.contact_name,
        contact_email=structure.contact_email,
        contact_phone=structure.contact_phone,
        presenter_name=seed.presenter,
        presenter_role=seed.presenter_role,
        pitch_title=seed.pitch_title,
        pitch_summary=seed.pitch_summary,
        buyer_offer=seed.buyer_offer,
        public_references=seed.public_references,
        consent_processing=seed.submitted,
        consent_sharing=seed.submitted,
        submission=Submission.SUBMITTED if seed.submitted else Submission.DRAFT,
        submitted_at=at if seed.submitted else None,
        created_by_id=author.id if author else None,
        created_at=at - timedelta(hours=2),
        updated_at=at,
    )


def _referents(users: dict[str, User]) -> dict[str, User]:
    """The referent account of each network that has one, by network name."""
    return {user.network.name: user for user in users.values() if user.network}


def _seed_edition_6(
    session: Session, networks: dict[str, Network], users: dict[str, User], structures: dict[str, Structure]
) -> None:
    """The 6th edition: call closed, reviewed, decided and published; programme published."""
    edition = Edition(
        number=6,
        title="6e rencontre OpenMap",
        event_date=date(2019, 11, 21),
        start_time=time(9, 0),
        end_time=time(12, 30),
        venue="Salle des fêtes Jean Vilar",
        address="9 boulevard Héloïse, 95100 Argenteuil",
        city="Argenteuil",
        description=(
            "Sixième rencontre entre acheteurs publics et structures inclusives (SIAE, entreprises adaptées, "
            "ESAT), consacrée aux services liés aux chantiers et aux grands travaux : plénière, atelier sur les "
            "marchés réservés, présentations express et rendez-vous bilatéraux."
        ),
    )
    call = _new_call(
        edition,
        theme_title="Services liés aux chantiers et aux grands travaux",
        theme_description=(
            "Gros œuvre et second œuvre, travaux publics, logistique et propreté de chantier, gestion des "
            "déchets du bâtiment, gardiennage, mise à disposition de personnel : les SIAE et EA qui "
            "interviennent sur les chantiers présentent leur offre aux acheteurs publics."
        ),
        opens_at=_paris(date(2019, 9, 16), 9),
        closes_at=_paris(date(2019, 10, 18), 18),
        state=CallState.CLOSED,
        pitch_slots=6,
        invited=list(networks.values()),
    )
    call.decisions_published_at = _paris(date(2019, 10, 25), 10)
    session.add_all([edition, call])

    referents = _referents(users)
    reviewer = users["evaluateur@openmap.exemple.fr"]
    selected: list[Candidacy] = []
    scored: list[tuple[Candidacy, tuple[int, ...]]] = []
    waitlist_rank = 0
    for index, seed in enumerate(EDITION_6_CANDIDACIES):
        structure = structures[seed.structure]
        network = networks[_network_of(seed.structure)]
        submitted_at = _paris(date(2019, 9, 20) + timedelta(days=2 * index), 10 + index % 6, 15)
        candidacy = _new_candidacy(call, seed, structure, network, referents.get(network.name), submitted_at)
        candidacy.deliberation = seed.decision
        candidacy.publication = Publication.PUBLISHED
        if seed.decision == Deliberation.WAITLISTED:
            waitlist_rank += 1
            candidacy.waitlist_rank = waitlist_rank
        if seed.decision == Deliberation.SELECTED:
            candidacy.confirmation = Confirmation.CONFIRMED
            candidacy.confirmation_answered_at = _paris(date(2019, 10, 28), 9 + len(selected))
            selected.append(candidacy)
        session.add(candidacy)
        scored.append((candidacy, seed.scores or ()))
    session.flush()
    session.add_all(_review(candidacy, call, reviewer, values) for candidacy, values in scored)
    _seed_programme(session, edition, call, selected, users["pilote@openmap.exemple.fr"])


def _network_of(structure_name: str) -> str:
    return next(seed.network for seed in STRUCTURES if seed.name == structure_name)


def _review(candidacy: Candidacy, call: Call, reviewer: User, values: tuple[int, ...]) -> Review:
    """The reviewer's scores, one per criterion in order (rows must have ids)."""
    return Review(
        candidacy_id=candidacy.id,
        reviewer_id=reviewer.id,
        created_at=_paris(date(2019, 10, 22), 14),
        updated_at=_paris(date(2019, 10, 22), 14),
        scores=[Score(criterion_id=criterion.id, value=value) for criterion, value in zip(call.criteria, values)],
    )


def _seed_programme(
    session: Session, edition: Edition, call: Call, pitches: list[Candidacy], publisher: User
) -> None:
    """Programme items of the 6th edition, and the published version 1 snapshot."""
    items: list[ProgrammeItem] = []
    for kind, title, description, speakers, minutes in EDITION_6_PROGRAMME:
        items.append(ProgrammeItem(edition_id=edition.id, kind=kind, title=title, description=description,
                                   speakers=speakers, duration_minutes=minutes))
        if kind == ItemKind.PITCHES:
            items.extend(
                ProgrammeItem(edition_id=edition.id, kind=ItemKind.PITCH, title=candidacy.structure.name,
                              description=candidacy.pitch_title, speakers=candidacy.presenter_name,
                              duration_minutes=call.pitch_minutes, candidacy_id=candidacy.id)
                for candidacy in pitches
            )
    for position, item in enumerate(items, start=1):
        item.position = position
    session.add_all(items)
    session.add(
        ProgrammeVersion(
            edition_id=edition.id,
            number=1,
            content=_programme_snapshot(edition, items),
            published_at=_paris(date(2019, 11, 4), 11),
            published_by_id=publisher.id,
        )
    )


def _programme_snapshot(edition: Edition, items: list[ProgrammeItem]) -> dict:
    """A JSON-serialisable picture of the programme, times computed from the start."""
    entries, start = [], edition.start_time
    for item in items:
        end = _add_minutes(start, item.duration_minutes)
        entries.append({
            "position": item.position,
            "kind": item.kind.value,
            "title": item.title,
            "description": item.description,
            "speakers": item.speakers,
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "duration_minutes": item.duration_minutes,
            "candidacy_id": item.candidacy_id,
        })
        start = end
    return {
        "edition": {
            "number": edition.number,
            "title": edition.title,
            "date": edition.event_date.isoformat(),
            "start_time": edition.start_time.strftime("%H:%M"),
            "end_time": edition.end_time.strftime("%H:%M"),
            "venue": edition.venue,
            "address": edition.address,
            "city": edition.city,
        },
        "items": entries,
    }


def _seed_edition_7(
    session: Session,
    networks: dict[str, Network],
    users: dict[str, User],
    structures: dict[str, Structure],
    now: datetime,
) -> None:
    """The 7th edition, whose call opened a few days ago and closes in about a month."""
    today = to_paris(now).date()
    opens_at = _paris(today - timedelta(days=5), 9)
    closes_at = _paris(today + timedelta(days=30), 18)
    # 18 March 2027, or later if the demo is seeded so late that the call would end after it.
    event_date = max(date(2027, 3, 18), closes_at.date() + timedelta(weeks=4))
    edition = Edition(
        number=7,
        title="7e rencontre OpenMap",
        event_date=event_date,
        start_time=time(9, 0),
        end_time=time(12, 30),
        venue="Salle de l'Agora",
        address="Place de l'Agora, 91000 Évry-Courcouronnes",
        city="Évry-Courcouronnes",
        description=(
            "Septième rencontre entre acheteurs publics et structures inclusives, consacrée à la propreté, à "
            "l'entretien des espaces et à la gestion des déchets."
        ),
    )
    call = _new_call(
        edition,
        theme_title="Propreté, entretien des espaces et gestion des déchets",
        theme_description=(
            "Nettoyage des locaux et des équipements publics, entretien des espaces verts et des espaces "
            "publics, collecte, tri, réemploi et recyclage des déchets : les SIAE et EA présentent leur offre "
            "aux acheteurs publics."
        ),
        opens_at=opens_at,
        closes_at=closes_at,
        state=CallState.OPEN,
        pitch_slots=5,
        invited=[networks[name] for name in (URTIE, INITIATIVES_77, INCLUSIV_ESSONNE, INSER_ECO_93)],
    )
    session.add_all([edition, call])

    referents = _referents(users)
    for index, seed in enumerate(EDITION_7_CANDIDACIES):
        network = networks[_network_of(seed.structure)]
        at = opens_at + timedelta(hours=3 + 14 * index)
        session.add(_new_candidacy(call, seed, structures[seed.structure], network, referents.get(network.name), at))
