"""GraphQL for child cards: registry offices send registrations and follow, correct or cancel their cases; BHXH
officers decide probable duplicates."""

from __future__ import annotations

import strawberry

from schema.childcards.cases import ChildCardCaseQuery
from schema.childcards.corrections import ChildCardChangeMutation, ChildCardRequestMutation, ChildCardReviewQuery
from schema.childcards.intake import ChildCardMutation
from schema.childcards.report import ChildCardReportQuery


@strawberry.type
class ChildCardsQuery(ChildCardCaseQuery, ChildCardReviewQuery, ChildCardReportQuery):
    pass


@strawberry.type
class ChildCardsMutation(ChildCardMutation, ChildCardChangeMutation, ChildCardRequestMutation):
    pass
