"""A chain rebuilt after a change checks out on its own; anchors kept elsewhere catch it, and
``crimelink audit verify`` names the first entry altered, not the anchor's.

The rebuild is what someone holding the database's keys would do: change an entry, then
recompute its hash and every later one, and move the head to match.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from crimelink.audit.cli import audit_app
from crimelink.audit.models import AuditEvent, AuditHead
from crimelink.audit.service import entry_hash
from crimelink.store import StoreHandle
from test_audit import check, fill, tamper


def rebuild_after(store: StoreHandle, altered: int, change: str) -> None:
    """Apply ``change`` to entry ``altered``, then recompute the chain from there on."""
    tamper(store, change)
    columns = [c for c in AuditEvent.__table__.columns if c.name != "hash"]
    with store.engine.begin() as conn:
        previous = conn.scalar(select(AuditEvent.hash).where(AuditEvent.seq == altered - 1)) or "0" * 64
        for row in conn.execute(select(*columns).where(AuditEvent.seq >= altered).order_by(AuditEvent.seq)).mappings():
            fields = {**row, "prev_hash": previous}
            previous = entry_hash(fields)
            conn.execute(update(AuditEvent).where(AuditEvent.seq == row["seq"])
                         .values(prev_hash=fields["prev_hash"], hash=previous))  # fmt: skip
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=previous))


@pytest.fixture
def rebuilt(store: StoreHandle, tmp_path: Path) -> tuple[StoreHandle, Path, str]:
    """Twelve entries whose hashes were kept in a file, and the head, before entry 7 was changed."""
    fill(store, 12)
    runner = CliRunner()
    kept = runner.invoke(audit_app, ["hashes", "--db", store.url])
    assert kept.exit_code == 0 and len(kept.stdout.splitlines()) == 12, kept.output
    hashes = tmp_path / "audit-hashes.txt"
    hashes.write_text("# kept on another system\n" + kept.stdout)
    head = kept.stdout.splitlines()[-1]
    rebuild_after(store, 7, "UPDATE audit_events SET purpose = 'curiosity' WHERE seq = 7")
    assert check(store).ok  # on its own, the rebuilt chain checks out
    return store, hashes, head


def test_kept_hashes_name_the_first_altered_entry(rebuilt: tuple[StoreHandle, Path, str]) -> None:
    store, hashes, _ = rebuilt
    result = CliRunner().invoke(audit_app, ["verify", "--db", store.url, "--anchors", str(hashes)])
    assert result.exit_code == 1
    assert "BROKEN at entry 7: entry 7 was altered and the chain rebuilt after it" in result.output
    assert "6 entries check out before it" in result.output


def test_a_single_anchor_names_where_trust_ends_not_its_own_entry(rebuilt: tuple[StoreHandle, Path, str]) -> None:
    store, hashes, head = rebuilt
    result = check(store, [(12, head.split(":")[1])])
    assert (result.ok, result.first_bad_seq, result.entries) == (False, 1, 0)
    assert "an entry from 1 to 12 was altered" in (result.problem or "")
    kept = dict(line.split(":") for line in hashes.read_text().splitlines()[1:])
    closer = check(store, [(4, kept["4"]), (12, head.split(":")[1])])  # an anchor kept earlier narrows it
    assert (closer.first_bad_seq, closer.entries) == (5, 4)
    assert "from 5 to 12" in (closer.problem or "")
    cli = CliRunner().invoke(audit_app, ["verify", "--db", store.url, "--anchor", head, "--anchor", f"4:{kept['4']}"])
    assert cli.exit_code == 1 and "BROKEN at entry 5" in cli.output
