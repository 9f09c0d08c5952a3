"""The probabilistic stage of identity resolution: a Splink (Fellegi-Sunter) model.

The deterministic stage (``identity.resolve``) only joins records that share an identifier. Many
duplicates share none: a shop order and a newsletter sign-up with a typo in the surname, a POS card
with the old address. For those, the model weighs every field comparison by how much more often it
occurs between records of one person (m) than between random records (u), and adds the weights up.

Why it is set up this way:

* The comparison levels are the ones of ``identity.compare`` (exact, nickname, jw_high, jw_mid,
  phonetic, day_month_swapped …), written as SQL, so the evidence a link carries reads the same as
  for deterministic links, with a match weight per field.
* u comes from random pairs; m from expectation maximisation on blocks of same name or same birth
  date only. Training on address blocks would teach the model that sharing a surname and an address
  means "same record" when it often means "same household".
* DuckDB runs in memory with no temp directory, so decrypted personal data never reaches the disk,
  and with a memory limit.
* The trained model is a plain dict (Splink's JSON settings with m and u), so it can be kept as text
  in the store's ``store_meta`` table and used again without retraining.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from cdp.normalise import fold
from cdp.records import Record
from identity import compare
from identity.nicknames import groups
from identity.phonetic import cologne
from identity.store import Link

# Raised whenever the comparisons, their levels or the blocking rules change: a model kept in the store
# from before is trained anew by the next ``cdp resolve`` (until then it goes on scoring as it was).
VERSION = "2"
MEMORY_LIMIT = "4GB"
MAX_U_PAIRS = 5e6
# The model learns m and u from a random sample of at most this many records: a larger store
# teaches it nothing more, and training on everything would take most of a batch run.
TRAINING_SAMPLE = 300_000
# Prediction goes through the records in chunks of about this many, so that
# DuckDB holds one chunk's candidate pairs at a time, not all of them.
PREDICT_CHUNK = 200_000
FLOOR_WEIGHT = -99.0  # a level never seen among matches (m = 0); kept finite so evidence stays JSON
COLUMNS = ("first_name", "last_name", "birth_date", "postcode", "city", "street_name", "email", "phone")
# ``house`` and ``address`` (the postcode, else the city: whether there is an address at all) serve the
# address comparison; the others blocking.
HELPERS = ("first_code", "last_code", "first_initial", "last_initial", "birth_year", "house", "address")
SCHEMA = pa.schema(
    [("unique_id", pa.int64())]
    + [(name, pa.string()) for name in COLUMNS + HELPERS]
    + [("first_groups", pa.list_(pa.int64()))]
)


# Preparing the records.


def table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """The records' ``row``s as the Arrow table the model reads (DuckDB scans it without a copy)."""
    rows = list(rows)
    return pa.table({name: [row[name] for row in rows] for name in SCHEMA.names}, schema=SCHEMA)


def records_table(records: dict[int, Record]) -> pa.Table:
    """``table`` of these records."""
    return table(row(record) for record in records.values())


def row(record: Record) -> dict[str, Any]:
    """One record as the model compares it: folded names, street without number, helper columns for blocking."""
    fields = record.fields
    first, first_code = _name(fields.get("first_name"))
    last, last_code = _name(fields.get("last_name"))
    birth = fields.get("birth_date") or None
    postcode = _blank(fields.get("postcode", "").replace(" ", "").upper())
    city = _name(fields.get("city"))[0]
    return {
        "unique_id": record.id,
        "first_name": first,
        "last_name": last,
        "birth_date": birth,
        "postcode": postcode,
        "city": city,
        "street_name": _blank(compare.street_name(fields)) if fields.get("street") else None,
        "email": _blank(fields.get("email", "").strip().lower()),
        "phone": _blank(fields.get("phone", "")),
        "first_code": first_code,
        "last_code": last_code,
        "first_initial": first[0] if first else None,
        "last_initial": last[0] if last else None,
        "birth_year": birth[:4] if birth else None,
        "house": _blank(compare.house_number(fields)),
        "address": postcode or city,
        "first_groups": sorted(groups(fields["first_name"])) if first else [],
    }


def _name(value: str | None) -> tuple[str | None, str | None]:
    """The folded value and its Kölner Phonetik code."""
    folded = _blank(fold(value)) if value else None
    return folded, (_blank(cologne(folded)) if folded else None)


def _blank(value: str) -> str | None:
    value = value.strip()
    return value or None


# The comparisons, in the levels of identity.compare.


def _level(label: str, sql: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _missing(column: str) -> dict[str, Any]:
    return _level(compare.MISSING, f'"{column}_l" IS NULL OR "{column}_r" IS NULL', is_null_level=True)


def _different() -> dict[str, Any]:
    return _level(compare.DIFFERENT, "ELSE")


def _name_levels(column: str, code: str) -> list[dict[str, Any]]:
    """exact (term-frequency adjusted), jw_high, jw_mid, phonetic: as ``compare._fuzzy``."""
    return [
        _level("exact", f'"{column}_l" = "{column}_r"', tf_adjustment_column=column, tf_adjustment_weight=1.0),
        _level("jw_high", f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {compare.JW_HIGH}'),
        _level("jw_mid", f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {compare.JW_MID}'),
        _level("phonetic", f'"{code}_l" = "{code}_r"'),
    ]


def first_name_comparison() -> dict[str, Any]:
    exact, *fuzzy = _name_levels("first_name", "first_code")
    swapped = _level(
        "names_swapped",
        f'jaro_winkler_similarity("first_name_l", "last_name_r") >= {compare.JW_MID} '
        f'AND jaro_winkler_similarity("last_name_l", "first_name_r") >= {compare.JW_MID}',
    )
    nickname = _level("nickname", 'list_has_any("first_groups_l", "first_groups_r")')
    levels = [_missing("first_name"), exact, swapped, nickname, *fuzzy, _different()]
    return {"output_column_name": "first_name", "comparison_levels": levels}


def last_name_comparison() -> dict[str, Any]:
    levels = [_missing("last_name"), *_name_levels("last_name", "last_code"), _different()]
    return {"output_column_name": "last_name", "comparison_levels": levels}


def birth_date_comparison() -> dict[str, Any]:
    """exact, day_month_swapped, one_digit_off, same_year: on the ISO text, as ``compare.birth_date``."""
    left, right = '"birth_date_l"', '"birth_date_r"'
    swapped = (f"substr({left}, 1, 4) = substr({right}, 1, 4) AND substr({left}, 6, 2) = substr({right}, 9, 2) "
               f"AND substr({left}, 9, 2) = substr({right}, 6, 2)")  # fmt: skip
    levels = [
        _missing("birth_date"),
        _level("exact", f"{left} = {right}"),
        _level("day_month_swapped", swapped),
        _level("one_digit_off", f"hamming({left}, {right}) <= 1"),
        _level("transposed", f"damerau_levenshtein({left}, {right}) <= 1"),
        _level("same_day_month", f"substr({left}, 5) = substr({right}, 5)"),
        _level("same_year", f"substr({left}, 1, 4) = substr({right}, 1, 4)"),
        _different(),
    ]
    return {"output_column_name": "birth_date", "comparison_levels": levels}


def address_comparison() -> dict[str, Any]:
    """same_house, same_street, same_postcode, same_city: the whole address at once, as ``compare.address``."""
    place = f'("postcode_l" = "postcode_r" OR jaro_winkler_similarity("city_l", "city_r") >= {compare.JW_HIGH})'
    street = f'jaro_winkler_similarity("street_name_l", "street_name_r") >= {compare.JW_HIGH}'
    levels = [
        _missing("address"),
        _level("same_house", f'{place} AND {street} AND "house_l" = "house_r"'),
        _level("same_street", f"{place} AND {street}"),
        _level("same_postcode", '"postcode_l" = "postcode_r"'),
        _level("same_city", f'jaro_winkler_similarity("city_l", "city_r") >= {compare.JW_HIGH}'),
        _different(),
    ]
    return {"output_column_name": "address", "comparison_levels": levels}


def exact_comparison(column: str) -> dict[str, Any]:
    levels = [_missing(column), _level("exact", f'"{column}_l" = "{column}_r"'), _different()]
    return {"output_column_name": column, "comparison_levels": levels}


# Which pairs are compared at all; each rule is a reason a person would look at two records. The
# numbers name the blocking keys kept in the store (``identity.blocking_keys``), so a rule keeps its
# number for good and a new rule takes a new one; ``KEYS`` tells the stored keys made under other rules.

BLOCKING_RULES: dict[int, tuple[str, ...]] = {
    0: ("last_name", "first_initial"),  # same surname, same first letter of the first name
    1: ("birth_date",),  # same birth date
    2: ("postcode", "last_initial"),  # same postcode, same first letter of the surname
    3: ("email",),
    4: ("phone",),
    5: ("last_code", "birth_year"),  # surnames that sound alike (Meyer/Maier), same birth year
    8: ("postcode", "house"),  # same house: a surname mistyped, a first name missing or swapped, no date
    9: ("street_name", "house", "city"),  # the same, with the postcode mistyped or missing
}
# Rules whose one shared key is reason enough to compare two records.
STRONG_RULES = (3, 4)
# Names counted for the term-frequency adjustment of one new record.
COUNTED = {"first_name": 6, "last_name": 7}
# Stored keys made under other rules, or from values prepared another way (raise the version when ``row``
# changes what a key holds), are rebuilt by the next batch run.
KEYS = json.dumps({"version": 2, "rules": BLOCKING_RULES, "counted": COUNTED}, sort_keys=True)


def blocking_keys(row: dict[str, Any]) -> list[tuple[int, str]]:
    """The record's key for each blocking rule it has every value for, and its counted names."""
    keys = [
        (number, "\x1f".join(str(row[column]) for column in rule))
        for number, rule in BLOCKING_RULES.items()
        if all(row[column] is not None for column in rule)
    ]
    return keys + [(number, row[column]) for column, number in COUNTED.items() if row[column] is not None]


TRAINING_BLOCKS = (("first_name", "last_name"), ("birth_date",))  # no address: "same person", not "household"
PRIOR_RULES = (
    ("email",), ("first_name", "last_name", "birth_date"), ("first_name", "birth_date", "postcode"),
    ("last_name", "birth_date", "postcode"),
)  # near-certain matches, for λ


# Splink is imported where it is used: it takes about a second to import,
# and every ``cdp`` command would pay for it otherwise.


def settings() -> Any:
    """Untrained Splink settings: the comparisons and the blocking rules above."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [first_name_comparison(), last_name_comparison(), birth_date_comparison(), address_comparison()]
    comparisons += [exact_comparison(column) for column in ("email", "phone")]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[cl.CustomComparison(**comparison) for comparison in comparisons],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING_RULES.values()],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # needed for the gamma (level) columns; the output stays in memory
    )


@contextmanager
def _linker(records: pa.Table, model: Any, memory_limit: str) -> Iterator[Any]:
    """A Splink linker over ``records`` (a ``table``) in a private in-memory DuckDB that never spills to disk."""
    from splink import DuckDBAPI, Linker

    connection = duckdb.connect(":memory:", config={"temp_directory": "", "memory_limit": memory_limit})
    connection.execute("SET enable_progress_bar = false")  # its bar would cut through ``cdp resolve``'s own
    try:
        registered = DuckDBAPI(connection).register(records, dataset_display_name="records")
        yield Linker(registered, model, log_level=logging.ERROR), connection
    finally:
        connection.close()


# Training and prediction.


def train(records: pa.Table, seed: int = 1, memory_limit: str = MEMORY_LIMIT) -> tuple[dict, list[str]]:
    """A trained model as a JSON-able dict (Splink settings with m and u per level), from a ``table``, and
    a line for each part of training that could learn nothing and fell back to a sound default.

    Training cannot fail: a store may hold one source without a single duplicate, or records whose fields
    are all equal or all empty. Splink then estimates no share of matches at all (λ = 0, and its next step
    divides by it), or its expectation maximisation cannot separate matches from the rest. Each such step
    keeps Splink's defaults for what it would have learnt, and says so.
    """
    from splink import block_on

    if records.num_rows > TRAINING_SAMPLE:
        records = records.take(sorted(random.Random(seed).sample(range(records.num_rows), TRAINING_SAMPLE)))

    notes: list[str] = []
    with _linker(records, settings(), memory_limit) as (linker, _):
        training = linker.training
        rules = [block_on(*rule) for rule in PRIOR_RULES]
        _learn(linker, notes, PRIOR_FAILED, training.estimate_probability_two_random_records_match, rules, recall=0.7)
        if not 0 < _prior(linker) < 1:
            _set_prior(linker, default_prior(records.num_rows))
            notes.append(PRIOR_DEFAULT)
        prior = _prior(linker)
        _learn(linker, notes, U_FAILED, training.estimate_u_using_random_sampling, max_pairs=MAX_U_PAIRS, seed=seed)
        for rule in TRAINING_BLOCKS:
            _learn(linker, notes, EM_FAILED.format(block=" and ".join(rule)),
                   training.estimate_parameters_using_expectation_maximisation, block_on(*rule))  # fmt: skip
            _set_prior(linker, prior)  # EM learns m within its block; a session that fails half-way may leave its own λ
        model = linker.misc.save_model_to_json()
    return sound(model, records.num_rows, notes), notes


PRIOR_FAILED = "The share of duplicates could not be estimated; a default is used."
PRIOR_DEFAULT = "No pair of records was near-certain to be one person, so the model assumes few duplicates."
U_FAILED = "How often fields agree by chance could not be measured; defaults are used."
EM_FAILED = (
    "Matches could not be told apart among records of the same {block}; defaults are used for what that teaches."
)
UNSOUND = "Some learnt weights were not usable numbers and were replaced by defaults."
# Splink may fail anywhere in a step it cannot learn from: dividing by zero, a logarithm of 0, no pairs.
LEARNING_ERRORS = (ArithmeticError, ValueError, KeyError, IndexError, duckdb.Error)


def _learn(linker: Any, notes: list[str], failed: str, step: Any, *args: Any, **kwargs: Any) -> None:
    """Run one training step; should it fail, put the model back as it was before it and note ``failed``.

    A step may fail after it changed the model: an EM session that cannot separate matches has already
    replaced the comparisons with its own, which leave out the ones its block holds equal.
    """
    from splink.internals.exceptions import SplinkException

    settings = linker._settings_obj
    before = settings.core_model_settings.copy()
    try:
        step(*args, **kwargs)
    except (*LEARNING_ERRORS, SplinkException) as error:
        logging.getLogger(__name__).info("match model: %s (%s)", failed, type(error).__name__)
        settings.core_model_settings = before
        notes.append(failed)


def _prior(linker: Any) -> float:
    return linker._settings_obj._probability_two_random_records_match


def _set_prior(linker: Any, probability: float) -> None:
    linker._settings_obj._probability_two_random_records_match = probability


def default_prior(records: int) -> float:
    """λ when it cannot be estimated: about one duplicate per record, among all pairs."""
    return min(0.5, 2 / max(records, 2))


def sound(model: dict, records: int, notes: list[str]) -> dict:
    """``model`` with every probability a usable number, and no m learnt from training that could not
    tell matches apart.

    The prior must lie strictly between 0 and 1; m and u values must be finite and between 0 and 1, and the
    m of one comparison must not add up to more than 1. Where expectation maximisation could not separate
    matches from the rest, it calls every compared pair a match, and then a clearly different name or
    birth date weighs nothing against a match: every m learnt is dropped then, so Splink's defaults apply
    (a disagreement counts strongly against), while the u measured on random pairs stay.
    """
    prior = model.get("probability_two_random_records_match")
    if not isinstance(prior, int | float) or not 0 < prior < 1:
        model["probability_two_random_records_match"] = default_prior(records)
    comparisons = model["comparisons"]
    if any(_drop_unusable(comparison) for comparison in comparisons):
        notes.append(UNSOUND)
    if any(_inseparable(comparison) for comparison in comparisons):
        for comparison in comparisons:
            for level in comparison["comparison_levels"]:
                level.pop("m_probability", None)
        notes.append(INSEPARABLE)
    return model


INSEPARABLE = "Training could not tell duplicates from different people; cautious default weights are used."
# A disagreement on these weighs against a match in any sound model (when it weighs less, training failed).
TELLING = ("first_name", "last_name", "birth_date")


def _drop_unusable(comparison: dict) -> bool:
    """Drop the m and u values of ``comparison`` that are no probabilities (and all its m, should they add
    up to more than 1); whether any were dropped."""
    dropped = False
    levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
    for level in levels:
        for name in ("m_probability", "u_probability"):
            value = level.get(name)
            if isinstance(value, float) and not (math.isfinite(value) and 0 <= value <= 1):
                del level[name]
                dropped = True
    if sum(level["m_probability"] for level in levels if isinstance(level.get("m_probability"), float)) > 1.01:
        for level in levels:
            level.pop("m_probability", None)
        dropped = True
    return dropped


def _inseparable(comparison: dict) -> bool:
    """Whether training taught that a clear disagreement on a name or the birth date is no evidence against."""
    if comparison.get("output_column_name") not in TELLING:
        return False
    different = comparison["comparison_levels"][-1]
    m, u = different.get("m_probability"), different.get("u_probability")
    return isinstance(m, float) and isinstance(u, float) and m >= u / 2


def predict(records: pa.Table, model: dict, threshold: float, memory_limit: str = MEMORY_LIMIT) -> list[Link]:
    """Links between records (a ``table``) whose match probability is at least ``threshold``, with
    per-field evidence."""
    if records.num_rows < 2:
        return []
    labels = level_labels(model)
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    columns += [f"{prefix}_{name}" for name in labels for prefix in ("gamma", "mw")]
    columns += [f"mw_tf_adj_{name}" for name in _adjusted(model)]
    chunks = max(1, round(records.num_rows / PREDICT_CHUNK))
    links: list[Link] = []
    with _linker(records, model, memory_limit) as (linker, connection):
        for number in range(1, chunks + 1):
            scored = linker.inference.predict_chunk(
                left_chunk=(number, chunks), threshold_match_probability=threshold, warning_mode="never"
            )
            # Only the columns the evidence needs, a batch at a time: Splink's whole result as one
            # pandas frame (every intermediate column) took more memory than the records themselves.
            result = connection.execute(f"SELECT {', '.join(columns)} FROM {scored.physical_name}")
            while batch := result.fetchmany(50_000):
                links += [_link(dict(zip(columns, values, strict=True)), labels) for values in batch]
            scored.drop_table_from_database_and_remove_from_cache()
    return links


def _adjusted(model: dict) -> list[str]:
    """The comparisons with a term-frequency adjustment (Splink adds an ``mw_tf_adj_`` column for each)."""
    return [
        comparison["output_column_name"]
        for comparison in model["comparisons"]
        if any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
    ]


def level_labels(model: dict) -> dict[str, dict[int, str]]:
    """Per comparison, the label of each gamma value (Splink numbers the non-null levels from the top down)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        real = [level for level in levels if not level.get("is_null_level")]
        by_gamma = {len(real) - 1 - index: level["label_for_charts"] for index, level in enumerate(real)}
        labels[comparison["output_column_name"]] = {-1: compare.MISSING, **by_gamma}
    return labels


def _link(row: dict[str, Any], labels: dict[str, dict[int, str]]) -> Link:
    found: dict[str, Any] = {}
    for name, by_gamma in labels.items():
        found[name] = by_gamma.get(int(row[f"gamma_{name}"]), "unknown")
        found[f"{name}_weight"] = round(_weight(row, name), 2)
    found["total"] = round(float(row["match_weight"]), 2)
    found["probability"] = round(float(row["match_probability"]), 4)
    low, high = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
    return Link(low, high, "model", float(row["match_weight"]), found)


def _weight(row: dict[str, Any], name: str) -> float:
    """The match weight (log2 Bayes factor) one comparison contributed, term-frequency adjustment included."""
    weight = float(row[f"mw_{name}"])
    adjustment = row.get(f"mw_tf_adj_{name}")
    if adjustment is not None and math.isfinite(adjustment):
        weight += float(adjustment)
    return weight if math.isfinite(weight) else FLOOR_WEIGHT
