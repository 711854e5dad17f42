"""The department registry: its invariants (one owner per id, slug, name) and its lookups."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import FrozenInstanceError

import pytest

from shared.domain.departments import (
    DEPARTMENTS,
    Department,
    UnknownDepartmentError,
    all_answering_body_ids,
    by_answering_body,
    by_committee,
    by_govuk_slug,
    by_name,
    by_slug,
    normalise_name,
    select,
)

SLUG = re.compile(r"^[a-z0-9-]{1,80}$")

DFE = "department-for-education"
MHCLG = "ministry-of-housing-communities-local-government"
DBIST = "department-for-business-innovation-science-and-trade"
DDCMS = "department-for-digital-culture-media-and-sport"
FCDO = "foreign-commonwealth-development-office"
HMT = "hm-treasury"


def _duplicates(values: list) -> list:
    return [value for value, count in Counter(values).items() if count > 1]


# --- Invariants of the registry ---


def test_slugs_are_unique_and_fit_an_sns_topic_name():
    # GIVEN the registry
    slugs = [d.slug for d in DEPARTMENTS]

    # WHEN the slugs are checked
    invalid = [slug for slug in slugs if not SLUG.match(slug)]

    # THEN each is a valid topic-name suffix and no two departments share one
    assert invalid == []
    assert _duplicates(slugs) == []


def test_every_department_has_a_name_and_an_answering_body():
    # GIVEN the registry
    # WHEN each department is inspected
    incomplete = [d.slug for d in DEPARTMENTS if not d.name.strip() or not d.answering_body_ids]

    # THEN each can be named and queried in the written questions API
    assert incomplete == []


def test_no_answering_body_id_belongs_to_two_departments():
    # GIVEN every answering-body id, current and former, of every department
    ids = [body_id for d in DEPARTMENTS for body_id in d.answering_body_ids]

    # WHEN they are counted
    # THEN none is listed twice
    assert _duplicates(ids) == []


def test_no_govuk_slug_belongs_to_two_departments_and_the_current_one_is_our_slug():
    # GIVEN every GOV.UK slug, current and former, of every department
    slugs = [slug for d in DEPARTMENTS for slug in d.govuk_slugs]

    # WHEN they are checked
    # THEN none is listed twice, each is well formed, and a department with a GOV.UK organisation uses its slug
    assert _duplicates(slugs) == []
    assert [slug for slug in slugs if not SLUG.match(slug)] == []
    assert [d.slug for d in DEPARTMENTS if d.govuk_slugs and d.govuk_slugs[0] != d.slug] == []


def test_no_name_or_alias_belongs_to_two_departments():
    # GIVEN every name and alias, reduced as lookups reduce them
    names = [normalise_name(name) for d in DEPARTMENTS for name in (d.name, *d.aliases)]

    # WHEN they are counted
    # THEN none is shared (nor repeated within one department)
    assert _duplicates(names) == []
    assert "" not in names


def test_no_committee_belongs_to_two_departments():
    # GIVEN every committee id and name
    ids = [committee_id for d in DEPARTMENTS for committee_id in d.committee_ids]
    names = [normalise_name(name) for d in DEPARTMENTS for name in d.committee_names]

    # WHEN they are counted
    # THEN each committee has one department, so `by_committee` has one answer
    assert _duplicates(ids) == []
    assert _duplicates(names) == []


def test_a_department_is_immutable():
    # GIVEN a department from the registry
    department = by_slug(DFE)

    # WHEN someone tries to change it
    # THEN the model refuses
    with pytest.raises(FrozenInstanceError):
        department.name = "Something else"  # type: ignore[misc]


# --- Lookups: every id, slug and name the registry holds finds its own department ---


def test_every_answering_body_id_finds_its_department():
    # GIVEN every (id, department) pair
    # WHEN each id is looked up
    # THEN it finds the department that lists it
    for department in DEPARTMENTS:
        for body_id in department.answering_body_ids:
            assert by_answering_body(body_id) is department


def test_every_govuk_slug_finds_its_department():
    for department in DEPARTMENTS:
        for slug in department.govuk_slugs:
            assert by_govuk_slug(slug) is department


def test_every_name_and_alias_finds_its_department():
    for department in DEPARTMENTS:
        for name in (department.name, *department.aliases):
            assert by_name(name) is department


def test_every_committee_finds_its_department():
    for department in DEPARTMENTS:
        for committee_id in department.committee_ids:
            assert by_committee(committee_id) is department
        for name in department.committee_names:
            assert by_committee(name=name) is department


# --- Lookups: the cases the pipeline meets ---


@pytest.mark.parametrize(
    ("body_id", "slug"),
    [
        (60, DFE),
        (7, MHCLG),
        (211, MHCLG),  # DLUHC, renamed MHCLG in July 2024
        (10, DDCMS),  # "Digital, Culture, Media and Sport", again since July 2026
        (217, DDCMS),  # "Culture, Media and Sport", 2023-2026
        (220, DBIST),
        (214, DBIST),  # Business and Trade
        (216, DBIST),  # Science, Innovation and Technology, abolished July 2026
        (202, DBIST),  # International Trade
        (201, DBIST),  # Business, Energy and Industrial Strategy
        (14, HMT),
        (208, FCDO),
        (9, "church-commissioners"),
        (200, "senior-deputy-speaker"),  # Chairman of Committees (HL)
    ],
)
def test_answering_body_lookup_finds_current_and_former_ids(body_id, slug):
    # GIVEN an answering-body id from a written question, current or from before a machinery-of-government change
    # WHEN it is looked up
    department = by_answering_body(body_id)

    # THEN it finds today's department
    assert department is not None
    assert department.slug == slug


def test_answering_body_lookup_of_an_unknown_id_is_none():
    assert by_answering_body(999_999) is None


@pytest.mark.parametrize(
    ("govuk_slug", "slug"),
    [
        ("department-for-education", DFE),
        ("department-for-levelling-up-housing-and-communities", MHCLG),
        ("ministry-of-housing-communities-and-local-government", MHCLG),  # MHCLG's 2018-2021 slug
        ("department-for-culture-media-and-sport", DDCMS),
        ("department-for-digital-culture-media-sport", DDCMS),
        ("department-for-business-and-trade", DBIST),
        ("department-for-science-innovation-and-technology", DBIST),
        ("department-for-business-energy-and-industrial-strategy", DBIST),
        ("department-for-international-trade", DBIST),
        ("department-for-international-development", FCDO),
        ("foreign-commonwealth-office", FCDO),
        ("government-equalities-office", "office-for-equality-and-opportunity"),
        (" HM-Treasury ", HMT),
    ],
)
def test_govuk_slug_lookup_finds_current_and_former_slugs(govuk_slug, slug):
    # GIVEN an organisation slug from a GOV.UK search result, current or former
    # WHEN it is looked up
    department = by_govuk_slug(govuk_slug)

    # THEN it finds today's department
    assert department is not None
    assert department.slug == slug


def test_govuk_slug_lookup_of_an_unknown_slug_is_none():
    assert by_govuk_slug("ofsted") is None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Department for Education", DFE),
        ("department for education", DFE),
        ("  Department for Education\n", DFE),
        ("Department for Levelling Up, Housing and Communities", MHCLG),
        ("Department for Levelling Up Housing and Communities", MHCLG),
        ("Ministry of Housing, Communities & Local Government", MHCLG),
        ("Treasury", HMT),
        ("HM Treasury", HMT),
        ("The Treasury", HMT),
        ("Foreign & Commonwealth Office", FCDO),
        ("Foreign Commonwealth and Development Office", FCDO),  # as the Commons Library lists it
        ("Department for Digital, Culture, Media & Sport", DDCMS),
        ("Department for Culture, Media and Sport", DDCMS),
        ("Department for Business, Energy and Industrial Strategy", DBIST),
        ("Department for Science, Innovation & Technology", DBIST),
        ("Department of Health", "department-of-health-and-social-care"),
        ("Minister for Women and Equalities", "office-for-equality-and-opportunity"),
        ("The Senior Deputy Speaker", "senior-deputy-speaker"),
        (
            "Speaker\u2019s Committee for the Independent Parliamentary Standards Authority",
            "speakers-committee-for-the-independent-parliamentary-standards-authority",
        ),
        ("Leader of the House", "the-office-of-the-leader-of-the-house-of-commons"),
    ],
)
def test_name_lookup_ignores_case_punctuation_and_a_leading_the(name, slug):
    # GIVEN a department name as the deposited papers or What's On APIs might write it
    # WHEN it is looked up
    department = by_name(name)

    # THEN it finds the department whose name or alias it is
    assert department is not None
    assert department.slug == slug


@pytest.mark.parametrize("name", ["", "   ", "Department for Magic", "Education Committee", "Leader of the House of"])
def test_name_lookup_of_an_unknown_name_is_none(name):
    assert by_name(name) is None


def test_names_are_normalised_for_matching():
    # GIVEN names that differ only in case, punctuation, "&", apostrophes and a leading "the"
    # WHEN they are normalised
    # THEN they are equal
    assert normalise_name(" The Department for Digital, Culture, Media & Sport ") == normalise_name(
        "department for digital culture media and sport"
    )
    assert normalise_name("Speaker\u2019s Committee") == normalise_name("Speaker's Committee") == "speakers committee"
    assert normalise_name("Senior Deputy Speaker (HL)") == "senior deputy speaker hl"
    # AND a "the" inside a name is kept
    assert normalise_name("Leader of the House") == "leader of the house"


@pytest.mark.parametrize(
    ("committee_id", "name", "slug"),
    [
        (203, None, DFE),
        (None, "Education Committee", DFE),
        (203, "Education Committee", DFE),
        (None, "education committee ", DFE),
        (999_999, "Education Committee", DFE),  # unknown id: the name still decides
        (17, None, MHCLG),
        (None, "Levelling Up, Housing and Communities Committee", MHCLG),
        (98, None, FCDO),
        (365, None, DBIST),
        (None, "Business and Trade Committee", DBIST),
        (158, None, HMT),
    ],
)
def test_committee_lookup_by_id_or_name(committee_id, name, slug):
    # GIVEN a select committee from the Committees or What's On API, known by id, by name or both
    # WHEN it is looked up
    department = by_committee(committee_id, name)

    # THEN it finds the department the committee scrutinises
    assert department is not None
    assert department.slug == slug


@pytest.mark.parametrize(
    ("committee_id", "name"),
    [(None, None), (999_999, None), (None, "Public Accounts Committee"), (None, ""), (127, None)],
)
def test_committee_lookup_of_an_unknown_or_cross_cutting_committee_is_none(committee_id, name):
    assert by_committee(committee_id, name) is None


def test_all_answering_body_ids_of_one_department_are_its_current_and_former_ids():
    # GIVEN MHCLG, which was DLUHC
    # WHEN its answering-body ids are collected
    # THEN both are there
    assert all_answering_body_ids([by_slug(MHCLG)]) == [7, 211]
    assert all_answering_body_ids([by_slug(DFE)]) == [60]


def test_all_answering_body_ids_of_several_departments_are_sorted_once_each():
    # GIVEN several departments, one of them named twice
    departments = [by_slug(DFE), by_slug(MHCLG), by_slug(DFE)]

    # WHEN their ids are collected
    # THEN each id appears once, sorted: the request's filter is the same whatever the order of the departments
    assert all_answering_body_ids(departments) == [7, 60, 211]
    assert all_answering_body_ids(reversed(departments)) == [7, 60, 211]
    assert all_answering_body_ids([]) == []


def test_all_answering_body_ids_defaults_to_the_whole_registry():
    # GIVEN the whole registry
    ids = all_answering_body_ids()

    # WHEN its ids are collected
    # THEN every department's ids are there, once each
    assert set(ids) == {body_id for d in DEPARTMENTS for body_id in d.answering_body_ids}
    assert len(ids) == len(set(ids))
    assert {60, 211, 216, 217, 220} <= set(ids)


# --- Selection by slug (the CLI and the settings use this) ---


@pytest.mark.parametrize("slugs", [None, [], ["all"], [DFE, "all"], [""]])
def test_select_without_a_choice_or_with_all_gives_every_department(slugs):
    # GIVEN no choice, an empty one or "all"
    # WHEN departments are selected
    # THEN every department is given, in registry order
    assert select(slugs) == DEPARTMENTS


def test_select_gives_the_named_departments_once_each_in_the_order_asked():
    # GIVEN slugs, one repeated
    # WHEN departments are selected
    selected = select([HMT, DFE, HMT])

    # THEN each named department is given once
    assert [d.slug for d in selected] == [HMT, DFE]


def test_select_refuses_an_unknown_slug():
    # GIVEN a slug that is not in the registry
    # WHEN it is selected
    # THEN UnknownDepartmentError (a KeyError) names it
    with pytest.raises(UnknownDepartmentError, match="'x'"):
        select(["x"])
    with pytest.raises(KeyError):
        by_slug("department-for-magic")


def test_by_slug_finds_a_department():
    department = by_slug(DFE)

    assert isinstance(department, Department)
    assert department.name == "Department for Education"
    assert department.answering_body_ids == (60,)
    assert department.committee_ids == (203,)
