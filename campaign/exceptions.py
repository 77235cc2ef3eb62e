"""Domain errors of the campaign app, turned into messages or JSON errors at the edge."""

from __future__ import annotations


class CampaignError(Exception):
    """Base class: a request the campaign rules refuse, with a message fit for the user."""


class UnsupportedFileFormat(CampaignError):
    pass


class CampaignNotFound(CampaignError):
    pass


class InvalidCampaignSettings(CampaignError):
    pass


# Participation: enrolment, the annotate flow and judgments. Each message is shown as is.


class NotEnrolled(CampaignError):
    def __init__(self, message: str = "You are not a participant of this campaign.") -> None:
        super().__init__(message)


class SignupClosed(CampaignError):
    def __init__(self, message: str = "This campaign does not accept new participants.") -> None:
        super().__init__(message)


class CampaignNotOpen(CampaignError):
    def __init__(self, message: str = "This campaign is not open for judgments.") -> None:
        super().__init__(message)


class ParticipationBlocked(CampaignError):
    def __init__(
        self,
        message: str = (
            "Your answers on the control items did not reach this campaign's accuracy "
            "threshold, so you cannot judge more items."
        ),
    ) -> None:
        super().__init__(message)


class LeaseNotFound(CampaignError):
    def __init__(self, message: str = "This item is not assigned to you.") -> None:
        super().__init__(message)


class LeaseExpired(CampaignError):
    def __init__(
        self,
        message: str = (
            "Your time on this item ran out and it has been given to someone else; "
            "your answer was not stored."
        ),
    ) -> None:
        super().__init__(message)


class AlreadySkipped(CampaignError):
    def __init__(self, message: str = "You skipped this item; it can no longer be judged.") -> None:
        super().__init__(message)


class AlreadyJudged(CampaignError):
    def __init__(
        self, message: str = "You already judged this item; it cannot be skipped."
    ) -> None:
        super().__init__(message)


class InvalidVerdict(CampaignError):
    pass


class RationaleRequired(CampaignError):
    def __init__(self, message: str = "This campaign asks for a short rationale.") -> None:
        super().__init__(message)


class RationaleTooLong(CampaignError):
    pass


class InvalidTiming(CampaignError):
    pass


class SkipReasonRequired(CampaignError):
    def __init__(self, message: str = "Say briefly what is wrong with this item.") -> None:
        super().__init__(message)


class SkipReasonTooLong(CampaignError):
    pass


# The campaign's life cycle (draft → open → closed), changed from the organiser dashboard.


class CampaignStatusChangeRefused(CampaignError):
    pass
