"""The department registry: the one source of truth for routing, topics and upstream filters.

Every current UK ministerial department and the other bodies that answer questions in Parliament, each with the ids
and names the upstream APIs know it by, now and before machinery-of-government changes. Lookups are cached dicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar


@dataclass(frozen=True, slots=True)
class Department:
    """A department (or other answering body) that deptwatch can watch."""

    slug: str
    """Our id: the GOV.UK organisation slug where there is one; also the suffix of the department's SNS topic name."""
    name: str
    answering_body_ids: tuple[int, ...] = ()
    """Parliament answering-body ids, current first, then former ones (machinery-of-government changes)."""
    govuk_slugs: tuple[str, ...] = ()
    """GOV.UK organisation slugs, current first, then former ones. Empty when it has no GOV.UK organisation."""
    govuk_agency_slugs: tuple[str, ...] = ()
    """GOV.UK organisations whose parent it is (executive agencies, other sponsored bodies): what they publish on
    GOV.UK reaches this department's topic, the agency named in the `organisation` attribute. Used when a search
    result's organisations do not carry their `parent_organisations` (see shared/sources/govuk_publications.py)."""
    aliases: tuple[str, ...] = ()
    """Other names it has been known by (former names, names used by the deposited papers and What's On APIs)."""
    committee_ids: tuple[int, ...] = ()
    """Committees API ids of the departmental select committees that scrutinise it."""
    committee_names: tuple[str, ...] = ()
    """Names of those committees as What's On shows them ("Education Committee"), current and former; each also
    matches without its "Committee" ("Education"), as upstream records sometimes name them."""


# Sources and how sure we are (ids and slugs as of November 2026):
#
# Answering-body ids: UK Parliament's own poller (ukparliament/written-answer-bots, lib/tweet.rb). Its version after
# the July 2026 machinery-of-government change swaps 214 "Business and Trade" for 220 "Business, Innovation, Science
# and Trade" and 217 "Culture, Media and Sport" for 10 "Digital, Culture, Media and Sport" (10 was DCMS's id in
# 2017-2023 too, re-used as MHCLG re-used 7). The House of Commons Library's clquestions (R/bodies.R, 2021) gives the
# older and rarer ones: 200, 201, 202, 206, 207, 24, 36, 57. The live list: members-api /api/Reference/AnsweringBodies.
#
# Former ids, decided here: DSIT (216) was abolished on 21 July 2026 and split three ways (science and innovation to
# DBIST, digital to DDCMS, AI policy to the Cabinet Office); 216 and its GOV.UK slug go to DBIST, which took the
# science and innovation brief and is the renamed DBT. BEIS (201) went to DBT in 2023 (with DIT, 202), so to DBIST.
# 200 Chairman of Committees (HL) is the old title of the Senior Deputy Speaker; 207 Parliamentary Works Sponsor Body
# was replaced by Restoration and Renewal (213); 57 Minister without Portfolio is a Cabinet Office minister.
#
# GOV.UK slugs: the long-standing ones are seen in many public code bases; the 2026 ones are less sure:
# department-for-business-innovation-science-and-trade is seen in several (a GOV.UK organisation page updated
# 2026-08-20); department-for-digital-culture-media-and-sport only in GOV.UK's email-alert-api (its "alerts for the
# Department for Culture, Media and Sport have ended" email), while other 2026 code still uses the 2023 slug, so both
# are listed. Verify against https://www.gov.uk/api/organisations.
#
# GOV.UK agency slugs (govuk_agency_slugs): executive agencies and other bodies whose parent organisation on GOV.UK is
# the department (DVLA → DfT, ESFA and the Standards and Testing Agency → DfE, …). Written from GOV.UK's organisation
# pages as remembered, NOT checked against the live API: verify with https://www.gov.uk/api/organisations (each
# organisation's parent_organisations). A body missing here still reaches its department when the search result
# carries its parent_organisations.
#
# Committee ids: 203 Education is CONFIRMED in a recorded real Committees API response (test data of
# aws-samples/sample-parliamentary-question-responder). The others are CONFIRMED only from public code and documents
# linking committees.parliament.uk/committee/{id}/{name} pages (most to dated news items), not against the live API:
# 17, 24, 52, 78, 81, 83, 98, 102, 120, 135, 136, 153, 158, 164, 327, 328, 365, 378. Less sure, as sources disagree:
# 162 Welsh Affairs (Parliament's committees-web test site and a working script; two other files say 46) and 664
# Energy Security and Net Zero (two scripts; one file says 135, which is Science, Innovation and Technology).
# NOT confirmed: whether 378 was renamed "Digital, Culture, Media and Sport Committee" and whether 135 survived DSIT's
# abolition (365 became the "Business, Innovation, Science and Trade Committee" in 2026, seen in a committee news
# URL); both names and ids are listed so that nothing is missed.
# A committee belongs to one department only: the Justice Committee (102) also scrutinises the Attorney General's
# Office but is listed under the Ministry of Justice. Cross-cutting committees (Public Accounts, Environmental Audit,
# Liaison) are not listed.
DEPARTMENTS: tuple[Department, ...] = (
    # --- Ministerial departments ---
    Department(
        slug="department-for-education",
        name="Department for Education",
        answering_body_ids=(60,),
        govuk_slugs=("department-for-education",),
        govuk_agency_slugs=(
            "education-and-skills-funding-agency",
            "standards-and-testing-agency",
            "teaching-regulation-agency",
            "skills-england",
        ),
        aliases=("DfE",),
        committee_ids=(203,),
        committee_names=("Education Committee",),
    ),
    Department(
        slug="department-for-environment-food-rural-affairs",
        name="Department for Environment, Food and Rural Affairs",
        answering_body_ids=(13,),
        govuk_slugs=("department-for-environment-food-rural-affairs",),
        govuk_agency_slugs=(
            "environment-agency",
            "rural-payments-agency",
            "animal-and-plant-health-agency",
            "marine-management-organisation",
            "natural-england",
            "veterinary-medicines-directorate",
        ),
        aliases=("Defra",),
        committee_ids=(52,),
        committee_names=("Environment, Food and Rural Affairs Committee",),
    ),
    Department(
        slug="hm-treasury",
        name="HM Treasury",
        answering_body_ids=(14,),
        govuk_slugs=("hm-treasury",),
        govuk_agency_slugs=("government-internal-audit-agency",),
        aliases=("Treasury", "HMT"),
        committee_ids=(158,),
        committee_names=("Treasury Committee",),
    ),
    Department(
        slug="home-office",
        name="Home Office",
        answering_body_ids=(1,),
        govuk_slugs=("home-office",),
        govuk_agency_slugs=("hm-passport-office", "uk-visas-and-immigration", "border-force"),
        committee_ids=(83,),
        committee_names=("Home Affairs Committee",),
    ),
    Department(
        slug="ministry-of-defence",
        name="Ministry of Defence",
        answering_body_ids=(11,),
        govuk_slugs=("ministry-of-defence",),
        govuk_agency_slugs=(
            "defence-equipment-and-support",
            "uk-hydrographic-office",
            "defence-science-and-technology-laboratory",
        ),
        aliases=("MoD",),
        committee_ids=(24,),
        committee_names=("Defence Committee",),
    ),
    Department(
        slug="department-of-health-and-social-care",
        name="Department of Health and Social Care",
        answering_body_ids=(17,),
        govuk_slugs=("department-of-health-and-social-care", "department-of-health"),
        govuk_agency_slugs=("medicines-and-healthcare-products-regulatory-agency", "uk-health-security-agency"),
        aliases=("Department of Health", "DHSC"),
        committee_ids=(81,),
        committee_names=("Health and Social Care Committee",),
    ),
    Department(
        slug="department-for-transport",
        name="Department for Transport",
        answering_body_ids=(27,),
        govuk_slugs=("department-for-transport",),
        govuk_agency_slugs=(
            "driver-and-vehicle-licensing-agency",
            "driver-and-vehicle-standards-agency",
            "maritime-and-coastguard-agency",
            "vehicle-certification-agency",
            "active-travel-england",
            "national-highways",
        ),
        aliases=("DfT",),
        committee_ids=(153,),
        committee_names=("Transport Committee",),
    ),
    Department(
        slug="department-for-work-pensions",
        name="Department for Work and Pensions",
        answering_body_ids=(29,),
        govuk_slugs=("department-for-work-pensions",),
        govuk_agency_slugs=("health-and-safety-executive", "the-pensions-regulator"),
        aliases=("DWP",),
        committee_ids=(164,),
        committee_names=("Work and Pensions Committee",),
    ),
    Department(
        slug="ministry-of-justice",
        name="Ministry of Justice",
        answering_body_ids=(54,),
        govuk_slugs=("ministry-of-justice",),
        govuk_agency_slugs=(
            "hm-courts-and-tribunals-service",
            "hm-prison-and-probation-service",
            "legal-aid-agency",
            "office-of-the-public-guardian",
            "criminal-injuries-compensation-authority",
        ),
        aliases=("MoJ",),
        committee_ids=(102,),
        committee_names=("Justice Committee",),
    ),
    Department(
        slug="foreign-commonwealth-development-office",
        name="Foreign, Commonwealth and Development Office",
        answering_body_ids=(208,),
        govuk_slugs=(
            "foreign-commonwealth-development-office",
            "foreign-commonwealth-office",
            "department-for-international-development",
        ),
        aliases=(
            "Foreign and Commonwealth Office",
            "Department for International Development",
            "Foreign Office",
            "FCDO",
            "FCO",
            "DFID",
        ),
        committee_ids=(78, 98),
        committee_names=("Foreign Affairs Committee", "International Development Committee"),
    ),
    Department(
        slug="ministry-of-housing-communities-local-government",
        name="Ministry of Housing, Communities and Local Government",
        # 7 was MHCLG's id in 2018-2021 and again since July 2024; 211 was DLUHC's in between.
        answering_body_ids=(7, 211),
        govuk_slugs=(
            "ministry-of-housing-communities-local-government",
            "department-for-levelling-up-housing-and-communities",
            "ministry-of-housing-communities-and-local-government",
            "department-for-communities-and-local-government",
        ),
        govuk_agency_slugs=("planning-inspectorate", "homes-england"),
        aliases=(
            "Department for Levelling Up, Housing and Communities",
            "Department for Communities and Local Government",
            "MHCLG",
            "DLUHC",
            "DCLG",
        ),
        committee_ids=(17,),
        committee_names=(
            "Housing, Communities and Local Government Committee",
            "Levelling Up, Housing and Communities Committee",
        ),
    ),
    Department(
        slug="department-for-energy-security-and-net-zero",
        name="Department for Energy Security and Net Zero",
        answering_body_ids=(215,),
        govuk_slugs=("department-for-energy-security-and-net-zero", "department-of-energy-climate-change"),
        aliases=("Department of Energy and Climate Change", "DESNZ", "DECC"),
        committee_ids=(664,),
        committee_names=("Energy Security and Net Zero Committee",),
    ),
    Department(
        slug="department-for-business-innovation-science-and-trade",
        name="Department for Business, Innovation, Science and Trade",
        # 220 since July 2026; 214 DBT (2023-2026), 216 DSIT (2023-2026, abolished), 202 DIT and 201 BEIS (to 2023).
        answering_body_ids=(220, 214, 216, 202, 201),
        govuk_slugs=(
            "department-for-business-innovation-science-and-trade",
            "department-for-business-and-trade",
            "department-for-science-innovation-and-technology",
            "department-for-international-trade",
            "department-for-business-energy-and-industrial-strategy",
            "department-for-business-innovation-skills",
        ),
        govuk_agency_slugs=("companies-house", "insolvency-service", "intellectual-property-office", "uk-space-agency"),
        aliases=(
            "Department for Business and Trade",
            "Department for Science, Innovation and Technology",
            "Department for International Trade",
            "Department for Business, Energy and Industrial Strategy",
            "Department for Business, Innovation and Skills",
            "DBIST",
            "BIST",
            "DBT",
            "DSIT",
            "DIT",
            "BEIS",
            "BIS",
        ),
        # 367: the International Trade Committee (2016-2023, DIT's), a former id events and links still carry.
        committee_ids=(365, 135, 367),
        committee_names=(
            "Business, Innovation, Science and Trade Committee",
            "Business and Trade Committee",
            "Business, Energy and Industrial Strategy Committee",
            "International Trade Committee",
            "Science, Innovation and Technology Committee",
            "Science and Technology Committee",
        ),
    ),
    Department(
        slug="department-for-digital-culture-media-and-sport",
        name="Department for Digital, Culture, Media and Sport",
        # 10 since July 2026 (and in 2017-2023, the previous "Digital, Culture, Media and Sport"); 217 in 2023-2026.
        answering_body_ids=(10, 217),
        govuk_slugs=(
            "department-for-digital-culture-media-and-sport",
            "department-for-culture-media-and-sport",
            "department-for-digital-culture-media-sport",
            "department-for-culture-media-sport",
        ),
        aliases=("Department for Culture, Media and Sport", "DCMS", "DDCMS"),
        committee_ids=(378,),
        committee_names=("Digital, Culture, Media and Sport Committee", "Culture, Media and Sport Committee"),
    ),
    Department(
        slug="cabinet-office",
        name="Cabinet Office",
        answering_body_ids=(53, 57),
        govuk_slugs=("cabinet-office",),
        govuk_agency_slugs=("government-property-agency", "crown-commercial-service"),
        aliases=("Minister without Portfolio",),
        committee_ids=(327,),
        committee_names=("Public Administration and Constitutional Affairs Committee",),
    ),
    Department(
        slug="attorney-generals-office",
        name="Attorney General",
        answering_body_ids=(88,),
        govuk_slugs=("attorney-generals-office",),
        aliases=("Attorney General's Office", "AGO"),
    ),
    Department(
        slug="prime-ministers-office-10-downing-street",
        name="Prime Minister",
        answering_body_ids=(23,),
        govuk_slugs=("prime-ministers-office-10-downing-street",),
        aliases=("Prime Minister's Office, 10 Downing Street", "Prime Minister's Office", "10 Downing Street"),
    ),
    Department(
        slug="office-of-the-secretary-of-state-for-scotland",
        name="Scotland Office",
        answering_body_ids=(2,),
        govuk_slugs=("office-of-the-secretary-of-state-for-scotland", "scotland-office"),
        aliases=("Office of the Secretary of State for Scotland",),
        committee_ids=(136,),
        committee_names=("Scottish Affairs Committee",),
    ),
    Department(
        slug="office-of-the-secretary-of-state-for-wales",
        name="Wales Office",
        answering_body_ids=(28,),
        govuk_slugs=("office-of-the-secretary-of-state-for-wales", "wales-office"),
        aliases=("Office of the Secretary of State for Wales",),
        committee_ids=(162,),
        committee_names=("Welsh Affairs Committee",),
    ),
    Department(
        slug="northern-ireland-office",
        name="Northern Ireland Office",
        answering_body_ids=(21,),
        govuk_slugs=("northern-ireland-office",),
        aliases=("NIO",),
        committee_ids=(120,),
        committee_names=("Northern Ireland Affairs Committee",),
    ),
    Department(
        slug="office-for-equality-and-opportunity",
        name="Women and Equalities",
        answering_body_ids=(31,),
        govuk_slugs=("office-for-equality-and-opportunity", "government-equalities-office"),
        aliases=(
            "Minister for Women and Equalities",
            "Office for Equality and Opportunity",
            "Government Equalities Office",
            "Equality Hub",
            "GEO",
        ),
        committee_ids=(328,),
        committee_names=("Women and Equalities Committee",),
    ),
    Department(
        slug="the-office-of-the-leader-of-the-house-of-commons",
        name="Leader of the House of Commons",
        answering_body_ids=(34,),
        govuk_slugs=("the-office-of-the-leader-of-the-house-of-commons",),
        aliases=("Leader of the House", "Office of the Leader of the House of Commons"),
    ),
    Department(
        slug="office-of-the-leader-of-the-house-of-lords",
        name="Leader of the House of Lords",
        answering_body_ids=(92,),
        govuk_slugs=("office-of-the-leader-of-the-house-of-lords",),
        aliases=("Office of the Leader of the House of Lords",),
    ),
    # --- Other answering bodies (no GOV.UK organisation) ---
    Department(
        slug="church-commissioners",
        name="Church Commissioners",
        answering_body_ids=(9,),
    ),
    Department(
        slug="house-of-commons-commission",
        name="House of Commons Commission",
        answering_body_ids=(18,),
    ),
    Department(
        slug="house-of-commons-members-estimate-committee",
        name="House of Commons Members Estimate Committee",
        answering_body_ids=(91,),
        aliases=("Members Estimate Committee",),
    ),
    Department(
        slug="speakers-committee-for-the-independent-parliamentary-standards-authority",
        name="Speaker's Committee for the Independent Parliamentary Standards Authority",
        answering_body_ids=(90,),
        aliases=("Speaker's Committee for IPSA",),
    ),
    Department(
        slug="speakers-committee-on-the-electoral-commission",
        name="Speaker's Committee on the Electoral Commission",
        answering_body_ids=(36,),
    ),
    Department(
        slug="public-accounts-commission",
        name="Public Accounts Commission",
        answering_body_ids=(24,),
    ),
    Department(
        slug="restoration-and-renewal",
        name="Restoration and Renewal",
        answering_body_ids=(213, 207),
        aliases=("Restoration and Renewal Client Board", "Parliamentary Works Sponsor Body"),
    ),
    Department(
        slug="senior-deputy-speaker",
        name="Senior Deputy Speaker",
        answering_body_ids=(204, 200),
        aliases=("Senior Deputy Speaker (HL)", "Chairman of Committees", "Chairman of Committees (HL)"),
    ),
    Department(
        slug="lord-speaker",
        name="Lord Speaker",
        answering_body_ids=(206,),
    ),
)


class UnknownDepartmentError(KeyError):
    """A department slug that is not in the registry."""


_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_COMMITTEE_SUFFIX = re.compile(r"(?: select)? committee$")


def normalise_name(name: str) -> str:
    """A name reduced for matching: lower case, "&" as "and", no punctuation or leading "the", single spaces.

    "The Department for Digital, Culture, Media & Sport " and "department for digital culture media and sport" match.
    """
    text = _APOSTROPHES.sub("", name.lower().replace("&", " and "))
    text = _NOT_ALPHANUMERIC.sub(" ", text).strip()
    return text.removeprefix("the ")


_Key = TypeVar("_Key", int, str)


def _unique_index(pairs: Iterable[tuple[_Key, Department]], what: str) -> dict[_Key, Department]:
    """An index that refuses a key shared by two departments (the registry's one-owner rule)."""
    index: dict[_Key, Department] = {}
    for key, department in pairs:
        other = index.setdefault(key, department)
        if other is not department:
            raise ValueError(f"{what} {key!r} belongs to both {other.slug} and {department.slug}")
    return index


@cache
def _by_slug() -> dict[str, Department]:
    return _unique_index(((d.slug, d) for d in DEPARTMENTS), "slug")


@cache
def _by_answering_body() -> dict[int, Department]:
    return _unique_index(((body_id, d) for d in DEPARTMENTS for body_id in d.answering_body_ids), "answering body")


@cache
def _by_govuk_agency_slug() -> dict[str, Department]:
    return _unique_index(((slug, d) for d in DEPARTMENTS for slug in d.govuk_agency_slugs), "GOV.UK agency slug")


@cache
def _by_govuk_slug() -> dict[str, Department]:
    return _unique_index(((slug, d) for d in DEPARTMENTS for slug in d.govuk_slugs), "GOV.UK slug")


@cache
def _by_name() -> dict[str, Department]:
    return _unique_index(((normalise_name(n), d) for d in DEPARTMENTS for n in (d.name, *d.aliases)), "name")


@cache
def _by_committee_id() -> dict[int, Department]:
    return _unique_index(((c, d) for d in DEPARTMENTS for c in d.committee_ids), "committee id")


def committee_key(name: str) -> str:
    """A committee name reduced for matching: `normalise_name` without a trailing "(select) committee"."""
    return _COMMITTEE_SUFFIX.sub("", normalise_name(name))


@cache
def _by_committee_name() -> dict[str, Department]:
    return _unique_index(((committee_key(n), d) for d in DEPARTMENTS for n in d.committee_names), "committee name")


def by_slug(slug: str) -> Department:
    try:
        return _by_slug()[slug]
    except KeyError:
        raise UnknownDepartmentError(f"unknown department {slug!r}") from None


def by_answering_body(body_id: int) -> Department | None:
    return _by_answering_body().get(body_id)


def by_govuk_slug(slug: str) -> Department | None:
    """The department with this current or former GOV.UK organisation slug."""
    return _by_govuk_slug().get(slug.strip().lower())


def parent_of_govuk_organisation(slug: str) -> Department | None:
    """The department that is the parent of this GOV.UK organisation (an executive agency, a sponsored body)."""
    return _by_govuk_agency_slug().get(slug.strip().lower())


def by_name(name: str) -> Department | None:
    """The department with this name or alias, ignoring case, punctuation, "&" versus "and" and a leading "the"."""
    return _by_name().get(normalise_name(name))


def by_committee(committee_id: int | None = None, name: str | None = None) -> Department | None:
    """The department a select committee scrutinises, by Committees API id, else by committee name."""
    if committee_id is not None and (department := _by_committee_id().get(committee_id)) is not None:
        return department
    if name:
        return _by_committee_name().get(committee_key(name))
    return None


def all_answering_body_ids(departments: Iterable[Department] = DEPARTMENTS) -> list[int]:
    """Every answering-body id, current and former, of these departments, once each and sorted: the `answeringBodies`
    filter for them, the same request whatever the order the departments are given in."""
    return sorted({body_id for d in departments for body_id in d.answering_body_ids})


def select(slugs: Iterable[str] | None) -> tuple[Department, ...]:
    """The departments named by slug, or all of them when `slugs` is None or contains "all"."""
    wanted = [slug for slug in (slugs or ()) if slug]
    if not wanted or "all" in wanted:
        return DEPARTMENTS
    return tuple(by_slug(slug) for slug in dict.fromkeys(wanted))
