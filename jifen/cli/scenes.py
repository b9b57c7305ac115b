"""``flask scenes …``: public-service scenes (积分入学 and others) and their ranked lists, for the bureau's scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from engine import dumps
from jifen import unit_of_work
from jifen.access import users
from jifen.cli.errors import friendly_errors
from jifen.scenes import definition, drafts, freezing, listing, whatif
from jifen.statements import signing
from jifen.store.scene_models import Scene
from jifen.unit_of_work import get_session

scenes_group = AppGroup("scenes", help="Scenes (场景): thresholds, quotas and the ranked lists of who is entitled.")
_user = click.option("--user", "username", required=True, envvar="JIFEN_USER",
                     help="Who makes the change (a console user, publisher or admin; or JIFEN_USER).")  # fmt: skip
_json = click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")


def _read_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None


def _summary(scene: Scene) -> dict[str, Any]:
    return {
        **drafts.definition_of(scene).document(),
        "status": scene.status,
        "published_at": scene.published_at,
        "published_by": scene.published_by,
        "list_hash": scene.list_hash,
        "signature": scene.signature,
    }


@scenes_group.command("create")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the draft of the same code and year instead of refusing.")
@_user
@friendly_errors
def create_command(path: Path, replace: bool, username: str) -> None:
    """Create a draft scene from FILE (YAML or JSON: code, name, year, department, cutoff_date, threshold, quota,
    ranking, ties)."""
    given = definition.read(_read_file(path))
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *drafts.EDITING_ROLES)
        existing = drafts.find(session, given.code, given.year)
        if replace and existing is not None:
            scene = drafts.update(session, existing, given, username)
            said = "replaced"
        else:
            scene = drafts.create(session, given, username)
            said = "created"
    click.echo(f"scene {drafts.ref(scene)} {said} (draft): {scene.name}")


@scenes_group.command("show")
@click.argument("code")
@click.argument("year", type=int)
@_json
@friendly_errors
def show_command(code: str, year: int, as_json: bool) -> None:
    """A scene's definition and state; for a published one, its list checked against its hash and its scores."""
    session = get_session()
    scene = drafts.get(session, code, year)
    shown = _summary(scene)
    everything = listing.lines(session, scene, listing.entries(session, scene))
    shown["counts"] = {
        "applicants": len(everything),
        "basis": sum(1 for line in everything if line.in_basis),
        "entitled": sum(1 for line in everything if line.entitled),
        "undecided": sum(1 for line in everything if line.in_basis and line.entitled is None),
        "flagged": sum(1 for line in everything if line.flags),
    }
    if scene.status == "published":
        checked = freezing.verify(session, scene, signing.signer_for(current_app))
        shown["verified"] = {"hash_matches": checked.hash_matches, "recomputed": checked.recomputed,
                             "signature_matches": checked.signature_matches, "differences": checked.differences}  # fmt: skip
    if as_json:
        click.echo(dumps(shown, indent=2))
        return
    for key, value in shown.items():
        click.echo(f"{key}: {value}")


@scenes_group.command("list")
@click.argument("code", required=False)
@click.argument("year", type=int, required=False)
@_json
@friendly_errors
def list_command(code: str | None, year: int | None, as_json: bool) -> None:
    """The scenes; with CODE and YEAR, that scene's list: each applicant entitled or not, rank, total, reason."""
    session = get_session()
    if code is None or year is None:
        scenes = drafts.listed(session, year)
        if as_json:
            click.echo(dumps([_summary(s) for s in scenes], indent=2))
        for scene in [] if as_json else scenes:
            click.echo(f"{scene.code}\t{scene.year}\t{scene.status}\t{scene.department}\t{scene.name}")
        return
    scene = drafts.get(session, code, year)
    shown = listing.lines(session, scene, listing.entries(session, scene))
    if as_json:
        click.echo(dumps([line.document() for line in shown], indent=2))
        return
    for line in shown:
        entitled = {True: "yes", False: "no", None: "undecided"}[line.entitled]
        flags = "".join(f"  ⚑ {f}" for f in line.flags)
        click.echo(f"{line.rank or '-'}\t{line.application_ref}\t{listing.points_text(line.total)}\t{entitled}\t"
                   f"{line.reason}{flags}")  # fmt: skip


@scenes_group.command("publish")
@click.argument("code")
@click.argument("year", type=int)
@_user
@friendly_errors
def publish_command(code: str, year: int, username: str) -> None:
    """Publish a draft scene: its list is drawn from the published scores now, stored, hashed and frozen."""
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *drafts.EDITING_ROLES)
        signer = signing.signer_for(current_app)
        scene = freezing.publish(session, drafts.get(session, code, year), username, signer)
        size = listing.size(session, scene)
    click.echo(f"scene {code}/{year} published: {size} applicants, {scene.list_hash}")


@scenes_group.command("entitlement")
@click.argument("code")
@click.argument("year", type=int)
@click.argument("application_ref")
@_json
@friendly_errors
def entitlement_command(code: str, year: int, application_ref: str, as_json: bool) -> None:
    """One applicant's line of a scene's list: entitled, rank, total, reason, and what changed since publication."""
    session = get_session()
    line = listing.entitlement(session, drafts.get(session, code, year), application_ref)
    if as_json:
        click.echo(dumps(line.document(), indent=2))
        return
    entitled = {True: "entitled", False: "not entitled", None: "undecided (tie)"}[line.entitled]
    click.echo(f"{line.application_ref}: {entitled}, rank {line.rank or '-'}, total "
               f"{listing.points_text(line.total)}: {line.reason}")  # fmt: skip
    for flag in line.flags:
        click.echo(f"  ⚑ {flag}")


@scenes_group.command("whatif")
@click.argument("code")
@click.argument("year", type=int)
@click.option("--version", "version_ref", help="Score the basis under this version too (a draft standard).")
@friendly_errors
def whatif_command(code: str, year: int, version_ref: str | None) -> None:
    """How many of the scene's basis pass at each threshold; with --version, under that version too (JSON)."""
    session = get_session()
    given = drafts.definition_of(drafts.get(session, code, year))
    if version_ref:
        click.echo(dumps(whatif.under_version(session, given, version_ref), indent=2))
    else:
        click.echo(dumps(whatif.of_basis(session, given), indent=2))
