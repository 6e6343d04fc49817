"""The QA figures: scores per agent, team, criterion and scorecard over time, the most failed
criteria, review coverage, dispute rate and the calibration sessions' agreement."""

from app.db import connection
from app.domain import qa as rules
from app.domain.access import Principal
from app.errors import UnprocessableEntity
from app.schemas.qa import QaMetrics, QaMetricsQuery
from app.services.context import Desk
from app.services.qa.reviews import review_visibility
from app.store.qa import figures as store
from app.store.qa.figures import FigureFilters

# The reviews one request reads at most: a desk reviews a few thousand tickets a month.
MAX_REVIEWS = 100_000


def _points(sections: list[dict[str, object]]) -> dict[str, int]:
    return {
        c["key"]: rules.POINTS[c["scale"]]  # type: ignore[index]
        for s in sections
        for c in s["criteria"]  # type: ignore[attr-defined]
        if not c["bonus"]  # type: ignore[index]
    }


async def figures(desk: Desk, query: QaMetricsQuery, *, caller: Principal) -> QaMetrics:
    """Agents' reviews only (calibration reviews are not counted), those the caller reads."""
    if query.to <= query.from_:
        raise UnprocessableEntity(
            "`from` must be before `to`",
            errors=[{"field": "query.from", "message": "must be before `to`"}],
        )
    visible = review_visibility(caller)
    f = FigureFilters(
        start=query.from_,
        end=query.to,
        agent_id=query.agent_id,
        team_id=query.team_id,
        scorecard_id=query.scorecard_id,
    )
    async with connection(desk.reads) as conn:
        rows = await store.review_figures(conn, f, visible, limit=MAX_REVIEWS)
        resolved, reviewed = await store.coverage(conn, f, visible)
        alphas = await store.calibration_alphas(conn, query.from_, query.to)
    found = rules.figures(
        [
            rules.ScoredReview(
                reviewed_at=r.reviewed_at,
                agent_id=r.agent_id,
                team_id=r.team_id,
                scorecard_id=r.scorecard_id,
                score=r.score,
                answers=r.answers,
                points=_points(r.sections),
                failed=r.failed,
                disputed=r.disputed,
            )
            for r in rows
        ],
        query.bucket,
    )
    return QaMetrics(
        **found,
        coverage={
            "resolved": resolved,
            "reviewed": reviewed,
            "share": round(reviewed / resolved, 4) if resolved else None,
        },
        calibration_alpha=[
            {"calibration_id": i, "closed_at": at, "alpha": alpha} for i, at, alpha in alphas
        ],
    )
