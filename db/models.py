"""The whole data model of the call for candidates, as SQLAlchemy 2.0 typed models.

Status values are stored as short strings guarded by CHECK constraints (see
`enum_column`), so the database refuses a value the code does not know.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 — read by SQLAlchemy as its docs write it


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs: Any) -> Any:
    """A VARCHAR column holding the enum's value, with a named CHECK constraint."""
    return mapped_column(
        Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        **kwargs,
    )


# ---------------------------------------------------------------- enums


class Role(str, enum.Enum):
    ADMIN = "admin"
    PILOTE = "pilote"
    EVALUATEUR = "evaluateur"
    RESEAU = "reseau"


class StructureKind(str, enum.Enum):
    EI = "EI"
    AI = "AI"
    ACI = "ACI"
    ETTI = "ETTI"
    EITI = "EITI"
    GEIQ = "GEIQ"
    EA = "EA"
    EATT = "EATT"
    ESAT = "ESAT"


class Labelled(str, enum.Enum):
    """A status users see: its French label lives with it (`_labels`, value → label)."""

    @property
    def label(self) -> str:
        return type(self)._labels[self.value]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """value → French label, in declaration order (filters, exports, the audit log)."""
        return dict(cls._labels)


class CallState(Labelled):
    """The stored state of a call; what users see also depends on the clock (core.calls.listing.Phase)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    _labels = enum.nonmember({"draft": "Brouillon", "open": "Ouvert", "closed": "Clos"})


class Submission(Labelled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    _labels = enum.nonmember({"draft": "Brouillon", "submitted": "Déposée", "withdrawn": "Retirée"})


class Deliberation(Labelled):
    PENDING = "pending"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"
    _labels = enum.nonmember({"pending": "En attente de décision", "selected": "Retenue",
                              "waitlisted": "Liste d'attente", "not_selected": "Non retenue"})


class Publication(Labelled):
    UNPUBLISHED = "unpublished"
    PUBLISHED = "published"
    _labels = enum.nonmember({"unpublished": "Non publiée", "published": "Publiée"})


class Confirmation(Labelled):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    _labels = enum.nonmember({"pending": "En attente de confirmation", "confirmed": "Confirmée",
                              "declined": "Déclinée"})


class ReviewState(Labelled):
    """A reviewer's work on one candidacy: a draft she may finish, submitted (counted on the
    board), or an abstention with its reason (not counted, not expected of her)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ABSTAINED = "abstained"
    _labels = enum.nonmember({"draft": "Brouillon", "submitted": "Soumise", "abstained": "Abstention"})


class TokenPurpose(str, enum.Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 — a link purpose, not a password
    CONFIRMATION = "confirmation"


class MailStatus(str, enum.Enum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Replaced before it went out (the decision it told changed) or dropped by the lead.
    DISCARDED = "discarded"


class ItemKind(Labelled):
    """What a programme item is. A PITCHES item is the pitch session of one call: its
    entries are read from that call's retained candidacies, never stored."""

    WELCOME = "welcome"
    PLENARY = "plenary"
    WORKSHOP = "workshop"
    PITCHES = "pitches"
    BILATERAL = "bilateral"
    BREAK = "break"
    CLOSING = "closing"
    OTHER = "other"
    _labels = enum.nonmember({"welcome": "Accueil", "plenary": "Plénière", "workshop": "Atelier",
                              "pitches": "Présentations express", "bilateral": "Rendez-vous bilatéraux",
                              "break": "Pause", "closing": "Clôture", "other": "Autre"})


# ---------------------------------------------------------------- accounts


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    users: Mapped[list[User]] = relationship(back_populates="network")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'reseau') = (network_id IS NOT NULL)", name="network_iff_reseau"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = enum_column(Role, "role")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    network: Mapped[Network | None] = relationship(back_populates="users")


class SignInSession(Base):
    """A signed-in browser. Only a SHA-256 of the cookie token is stored."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class FailedSignIn(Base):
    """One failed attempt, kept to slow down guessing per account and address."""

    __tablename__ = "failed_sign_ins"
    __table_args__ = (Index("ix_failed_sign_ins_email_ip_at", "email", "ip_address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OneTimeToken(Base):
    """Single-use, expiring link (invitation, password reset, pitch confirmation)."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = enum_column(TokenPurpose, "purpose")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    candidacy_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidacies.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


# ---------------------------------------------------------------- structures


structure_sectors = Table(
    "structure_sectors",
    Base.metadata,
    Column("structure_id", ForeignKey("structures.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sectors.id"), primary_key=True),
)


class Sector(Base):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Structure(Base):
    """An SIAE or adapted enterprise, known once by its SIRET across all calls."""

    __tablename__ = "structures"
    __table_args__ = (
        CheckConstraint("length(siret) = 14", name="siret_length"),
        CheckConstraint("insertion_workforce IS NULL OR insertion_workforce >= 0", name="workforce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[StructureKind] = enum_column(StructureKind, "kind")
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(120))
    departement: Mapped[str | None] = mapped_column(String(3), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    insertion_workforce: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    sectors: Mapped[list[Sector]] = relationship(secondary=structure_sectors, order_by=Sector.position)


# ---------------------------------------------------------------- editions and calls


class Edition(Base):
    """One OpenMap meeting (rencontre). Date and times are local (Europe/Paris)."""

    __tablename__ = "editions"
    __table_args__ = (CheckConstraint("end_time > start_time", name="times_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    event_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    calls: Mapped[list[Call]] = relationship(back_populates="edition", order_by="Call.id")


call_networks = Table(
    "call_networks",
    Base.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id"), primary_key=True),
)


class CallKind(Base):
    __tablename__ = "call_kinds"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[StructureKind] = enum_column(StructureKind, "kind", primary_key=True)


class CallDepartement(Base):
    __tablename__ = "call_departements"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    departement: Mapped[str] = mapped_column(String(3), primary_key=True)


class Call(Base):
    """A call for candidates on one theme of an edition. Times stored in UTC."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
        CheckConstraint("pitch_slots > 0", name="slots_positive"),
        CheckConstraint("pitch_minutes > 0", name="minutes_positive"),
        CheckConstraint("assigned_reviews IS NULL OR assigned_reviews BETWEEN 1 AND 10", name="assigned_reviews_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    theme_title: Mapped[str] = mapped_column(String(200))
    theme_description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    state: Mapped[CallState] = enum_column(CallState, "call_state", default=CallState.DRAFT)
    pitch_slots: Mapped[int] = mapped_column(Integer, default=5)
    pitch_minutes: Mapped[int] = mapped_column(Integer, default=5)
    decisions_published_at: Mapped[datetime | None]
    # Until when the retained structures may confirm (set at publication, the lead may move it).
    confirm_by: Mapped[datetime | None]
    # Reviewers per candidacy once the lead has distributed the candidacies (core.review.assignment);
    # NULL: every reviewer of the call may review every candidacy.
    assigned_reviews: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    edition: Mapped[Edition] = relationship(back_populates="calls")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="call", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    invited_networks: Mapped[list[Network]] = relationship(secondary=call_networks, order_by=Network.name)
    eligible_kinds: Mapped[list[CallKind]] = relationship(cascade="all, delete-orphan")
    eligible_departements: Mapped[list[CallDepartement]] = relationship(cascade="all, delete-orphan")


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("call_id", "label", name="uq_criteria_call_label"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)

    call: Mapped[Call] = relationship(back_populates="criteria")


# ---------------------------------------------------------------- candidacies


class Candidacy(Base):
    """One structure proposed by one network to one call.

    Four small status fields (submission, deliberation, publication, confirmation);
    what a user sees is derived from them. `version` guards concurrent edits.
    """

    __tablename__ = "candidacies"
    __table_args__ = (
        UniqueConstraint("call_id", "structure_id", name="uq_candidacies_call_structure"),
        CheckConstraint(
            "(deliberation = 'waitlisted') = (waitlist_rank IS NOT NULL)", name="rank_iff_waitlisted"
        ),
        CheckConstraint("waitlist_rank IS NULL OR waitlist_rank > 0", name="rank_positive"),
        CheckConstraint("insertion_workforce IS NULL OR insertion_workforce >= 0", name="workforce"),
        Index("ix_candidacies_call_network", "call_id", "network_id"),
        # A call's waiting list holds each rank once (ranks are kept 1..n by core.selection).
        Index("uq_candidacies_call_waitlist_rank", "call_id", "waitlist_rank", unique=True,
              sqlite_where=text("waitlist_rank IS NOT NULL"), postgresql_where=text("waitlist_rank IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)

    # The structure as this network proposed it: a snapshot, so that another network
    # proposing the same SIRET elsewhere (which refreshes the directory) changes nothing here.
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[StructureKind | None] = enum_column(StructureKind, "kind")
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(120))
    departement: Mapped[str | None] = mapped_column(String(3))
    website: Mapped[str | None] = mapped_column(String(300))
    insertion_workforce: Mapped[int | None] = mapped_column(Integer)
    sectors: Mapped[list | None] = mapped_column(JSON)

    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    presenter_name: Mapped[str | None] = mapped_column(String(120))
    presenter_role: Mapped[str | None] = mapped_column(String(120))

    pitch_title: Mapped[str | None] = mapped_column(String(200))
    pitch_summary: Mapped[str | None] = mapped_column(Text)
    buyer_offer: Mapped[str | None] = mapped_column(Text)
    public_references: Mapped[str | None] = mapped_column(Text)

    consent_processing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sharing: Mapped[bool] = mapped_column(Boolean, default=False)

    submission: Mapped[Submission] = enum_column(Submission, "submission", default=Submission.DRAFT)
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    deliberation: Mapped[Deliberation] = enum_column(
        Deliberation, "deliberation", default=Deliberation.PENDING
    )
    waitlist_rank: Mapped[int | None] = mapped_column(Integer)
    # Counts the changes of the outcome (decision or rank): a notification is keyed by it,
    # so publishing twice queues nothing new and a revision queues exactly one correction.
    decision_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    publication: Mapped[Publication] = enum_column(
        Publication, "publication", default=Publication.UNPUBLISHED
    )
    confirmation: Mapped[Confirmation] = enum_column(
        Confirmation, "confirmation", default=Confirmation.PENDING
    )
    confirmation_answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    call: Mapped[Call] = relationship()
    structure: Mapped[Structure] = relationship()
    network: Mapped[Network] = relationship()


class CallReviewer(Base):
    """A person the lead named to review a call's candidacies (an évaluateur, or a lead herself)."""

    __tablename__ = "call_reviewers"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    named_at: Mapped[datetime] = mapped_column(default=utcnow)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReviewerConflict(Base):
    """A link a reviewer declared with a network or a structure (SIRET): she is never shown,
    assigned or counted for their candidacies, in any call."""

    __tablename__ = "reviewer_conflicts"
    __table_args__ = (
        CheckConstraint("(network_id IS NULL) <> (siret IS NULL)", name="one_link"),
        CheckConstraint("siret IS NULL OR length(siret) = 14", name="siret_length"),
        UniqueConstraint("reviewer_id", "network_id", name="uq_reviewer_conflicts_reviewer_network"),
        UniqueConstraint("reviewer_id", "siret", name="uq_reviewer_conflicts_reviewer_siret"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    siret: Mapped[str | None] = mapped_column(String(14))
    reason: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewAssignment(Base):
    """One reviewer asked to review one candidacy (calls whose reviews are assigned)."""

    __tablename__ = "review_assignments"

    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Review(Base):
    """One reviewer's review of one candidacy. `comment` is for the lead only (never shown to
    the network); `shared_comment` may later be shared with the structure."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("candidacy_id", "reviewer_id", name="uq_reviews_candidacy_reviewer"),
        CheckConstraint("(state = 'abstained') = (abstention_reason IS NOT NULL)", name="reason_iff_abstained"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A review written in one go, outside the review form (demonstration data, past editions
    # typed in), is a finished one; the form always sets the state it saves.
    state: Mapped[ReviewState] = enum_column(ReviewState, "review_state", default=ReviewState.SUBMITTED)
    comment: Mapped[str | None] = mapped_column(Text)
    shared_comment: Mapped[str | None] = mapped_column(Text)
    abstention_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]  # last submission through the form
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    scores: Mapped[list[Score]] = relationship(cascade="all, delete-orphan")


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# ---------------------------------------------------------------- programme


class ProgrammeItem(Base):
    """One item of the working copy of an edition's programme (what the lead edits).

    Times are instants (stored UTC, entered and shown in Paris time), so that a morning on
    the day the clocks change is still right. A PITCHES item names its call: its entries
    are that call's retained candidacies, computed when read (core.programme.pitches).
    """

    __tablename__ = "programme_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        CheckConstraint("(kind = 'pitches') = (call_id IS NOT NULL)", name="call_iff_pitches"),
        CheckConstraint("changeover_minutes >= 0", name="changeover_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ItemKind] = enum_column(ItemKind, "item_kind")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    speakers: Mapped[str | None] = mapped_column(Text)
    room: Mapped[str | None] = mapped_column(String(120))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    # Minutes between two pitches of the session (the next presenter comes up, slides change).
    changeover_minutes: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PitchPosition(Base):
    """Where the lead put one retained candidacy in its call's pitch session. A candidacy
    without a row comes after those placed; a row of one no longer retained is ignored."""

    __tablename__ = "pitch_positions"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class ProgrammeVersion(Base):
    """An immutable published snapshot of the programme; the public sees the latest.

    `content` is what the public may read (core.programme.snapshot): no contact details.
    """

    __tablename__ = "programme_versions"
    __table_args__ = (UniqueConstraint("edition_id", "number", name="uq_programme_versions_edition_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(300))
    content: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# ---------------------------------------------------------------- mail and audit


class MailTemplate(Base):
    """The lead's text for one kind of message, for one edition (NULL: every edition)."""

    __tablename__ = "mail_templates"
    __table_args__ = (
        UniqueConstraint("key", "edition_id", name="uq_mail_templates_key_edition"),
        # NULLs are distinct in a unique constraint: one app-wide text per key needs its own index.
        Index("uq_mail_templates_key_everywhere", "key", unique=True,
              sqlite_where=text("edition_id IS NULL"), postgresql_where=text("edition_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The submitting network's referents in copy of the messages about its candidacies.
    copy_networks: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class OutboxMessage(Base):
    """A rendered e-mail waiting to be (or already) sent; the key forbids doubles."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        Index("ix_outbox_messages_status", "status"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    template_key: Mapped[str] = mapped_column(String(60))
    to_address: Mapped[str] = mapped_column(String(254))
    cc_addresses: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The personal link (invitation, reset, confirmation) the body carries: removed from the
    # body once the message is sent, so that the outbox never keeps a usable link in clear.
    personal_link: Mapped[str | None] = mapped_column(Text)
    # RFC 5322 Message-ID, fixed at the first attempt so that a retry is the same message.
    message_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[MailStatus] = enum_column(MailStatus, "mail_status", default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    # When a sender claimed the row (status sending): a row left sending by a crash is not
    # sent again on its own, since the server may have accepted it.
    claimed_at: Mapped[datetime | None]
    # Why the row is discarded (replaced by a newer message, dropped by the lead).
    status_note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    candidacy_id: Mapped[int | None] = mapped_column(ForeignKey("candidacies.id", ondelete="SET NULL"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))


class AuditEntry(Base):
    """Who did what, when, from where, with the values before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="SET NULL"))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
