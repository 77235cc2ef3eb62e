"""Domain errors of the campaign app, turned into messages or JSON errors at the edge."""

from __future__ import annotations


class CampaignError(Exception):
    """Base class: a request the campaign rules refuse, with a message fit for the user."""

    default_message = ""  # shown when the error is raised without a message

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)


class UnsupportedFileFormat(CampaignError):
    pass


class CampaignNotFound(CampaignError):
    pass


class UploadRefused(CampaignError):
    """An import file the organiser pages cannot take or run (too big, gone, done already)."""


class InvalidCampaignSettings(CampaignError):
    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.fields = fields or {}  # setting name ("campaign" for the whole) → its problems


# Participation: enrolment, the annotate flow and judgments. Each message is shown as is.


class NotEnrolled(CampaignError):
    default_message = "You are not a participant of this campaign."


class SignupClosed(CampaignError):
    default_message = "This campaign does not accept new participants."


class CampaignNotOpen(CampaignError):
    default_message = "This campaign is not open for judgments."


class ParticipationBlocked(CampaignError):
    default_message = (
        "Your answers on the control items did not reach this campaign's accuracy "
        "threshold, so you cannot judge more items."
    )


class LeaseNotFound(CampaignError):
    default_message = "This item is not assigned to you."


class LeaseExpired(CampaignError):
    default_message = (
        "Your time on this item ran out and it has been given to someone else; "
        "your answer was not stored."
    )


class AlreadySkipped(CampaignError):
    default_message = "You skipped this item; it can no longer be judged."


class AlreadyJudged(CampaignError):
    default_message = "You already judged this item; it cannot be skipped."


class InvalidVerdict(CampaignError):
    pass


class RationaleRequired(CampaignError):
    default_message = "This campaign asks for a short rationale."


class RationaleTooLong(CampaignError):
    pass


class InvalidTiming(CampaignError):
    pass


class SkipReasonRequired(CampaignError):
    default_message = "Say briefly what is wrong with this item."


class SkipReasonTooLong(CampaignError):
    pass


# The campaign's life cycle (draft → open → closed), changed from the organiser dashboard.


class CampaignStatusChangeRefused(CampaignError):
    pass
