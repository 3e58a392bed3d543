"""Finsam Indikatorer: the pure computation of the NNS indicators, outcome rates and genuskompass
comparisons, with disclosure control. Plain pandas/numpy: no Flask, no database, so NNS
analysts can use it in notebooks on counts of their own.

    from indicators import indicator_table, outcome_table, compare, sentence
"""

from .compute import (
    COUNT_COLUMNS,
    INDICATOR_COLUMNS,
    INSATS_TOTAL,
    NATIONAL,
    indicator_counts,
    indicator_table,
    question_table,
)
from .disclosure import (
    DEFAULT_K,
    FREE_TEXT_MIN,
    MIN_K,
    REPORT_GENDERS,
    SiblingSet,
    blank_suppressed,
    check_k,
    free_text_allowed,
    suppress,
)
from .genuskompass import (
    GENUSKOMPASS_GROUPS,
    MORE_COMPARISONS,
    SUBGOALS,
    Comparison,
    SubGoal,
    compare,
    compare_table,
    family_adjust,
    format_percent,
    newcombe_interval,
    newcombe_p_value,
    sentence,
)
from .outcomes import (
    ALL_RATES,
    EXPORT_RATES,
    INCOME_COLUMNS,
    OUTCOME_COLUMNS,
    income_after_table,
    income_counts,
    outcome_counts,
    outcome_table,
)
from .rounding import percent

# --- instrument definitions (indicators/instrument.py, maintained separately) -------------------
# (its public import line goes here)
# ------------------------------------------------------------------------------------------------

__all__ = [
    "ALL_RATES",
    "COUNT_COLUMNS",
    "DEFAULT_K",
    "EXPORT_RATES",
    "FREE_TEXT_MIN",
    "INCOME_COLUMNS",
    "INDICATOR_COLUMNS",
    "INSATS_TOTAL",
    "MIN_K",
    "NATIONAL",
    "OUTCOME_COLUMNS",
    "REPORT_GENDERS",
    "GENUSKOMPASS_GROUPS",
    "MORE_COMPARISONS",
    "SUBGOALS",
    "Comparison",
    "SiblingSet",
    "SubGoal",
    "blank_suppressed",
    "check_k",
    "compare",
    "compare_table",
    "family_adjust",
    "format_percent",
    "free_text_allowed",
    "income_after_table",
    "income_counts",
    "indicator_counts",
    "indicator_table",
    "newcombe_interval",
    "newcombe_p_value",
    "outcome_counts",
    "outcome_table",
    "percent",
    "question_table",
    "sentence",
    "suppress",
]
