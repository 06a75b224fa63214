"""Pre-tagging: codebook rules (and later examples and a learned model) suggest codes for segments."""

from .rules import RuleHit, RuleMatcher
from .tagger import Evidence, Suggestion, Tagger, noisy_or, rule_score

__all__ = ["Evidence", "RuleHit", "RuleMatcher", "Suggestion", "Tagger", "noisy_or", "rule_score"]
