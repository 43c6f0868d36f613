"""Backups and SSTable maintenance: ``enablebackup``, ``disablebackup``, ``statusbackup``,
``garbagecollect``, ``scrub``, ``verify``, ``upgradesstables``, ``import``, ``refresh``
(EnableBackup.java, StatusBackup.java, GarbageCollect.java, Scrub.java, Verify.java,
UpgradeSSTable.java, Import.java, Refresh.java). Silent on success, as nodetool is, except
``statusbackup`` (``running`` / ``not running``) and ``refresh`` (its deprecation notice).

Options cqlkit accepts for nodetool's sake without a use (``-j`` jobs: one compaction thread per node;
scrub's ``--no-snapshot``; verify's extended checks, which the whole-file check already covers) change
nothing.
"""

from __future__ import annotations

from admin.nodetool.command import Command, Option, Parsed, keyspace_and_tables
from admin.nodetool.context import CommandExit, Context
from engine.db.sstable_import import ImportOptions
from engine.probe import ProbeError

_KEYSPACE_TABLES = ("[<keyspace> <tables>...]", "The keyspace followed by one or many tables")
_JOBS = Option(("-j", "--jobs"), "jobs", "Number of sstables to process simultaneously", takes_value=True)


def enable_backup(ctx: Context, parsed: Parsed) -> None:
    ctx.probe.set_incremental_backups(True)


def disable_backup(ctx: Context, parsed: Parsed) -> None:
    ctx.probe.set_incremental_backups(False)


def status_backup(ctx: Context, parsed: Parsed) -> None:
    ctx.write("running\n" if ctx.probe.incremental_backups else "not running\n")


def garbage_collect(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    ctx.probe.garbage_collect(keyspace, tables, parsed.value("granularity", "ROW"))


def scrub(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    errors = ctx.probe.scrub(keyspace, tables)
    if errors and not parsed.flag("skip_corrupted"):
        raise ProbeError(f"Scrub of {keyspace or 'all keyspaces'} found corrupted data: {errors[0]}")


def verify(ctx: Context, parsed: Parsed) -> None:
    if not parsed.flag("force"):
        raise ProbeError(
            "verify is disabled unless a [-f|--force] override flag is provided. See CASSANDRA-9947 and "
            "CASSANDRA-17017 for details."
        )
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    failures = ctx.probe.verify(keyspace, tables)
    if failures:
        raise ProbeError(f"Verification failed for {len(failures)} SSTable(s), first: {failures[0]}")


def upgrade_sstables(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    ctx.probe.upgrade_sstables(keyspace, tables, include_all=parsed.flag("include_all"))


def import_sstables(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) < 3:
        raise ProbeError("import requires keyspace, table name and directories")
    keyspace, table, *directories = parsed.arguments
    options = ImportOptions(
        keep_level=parsed.flag("keep_level"),
        keep_repaired=parsed.flag("keep_repaired"),
        verify=not parsed.flag("no_verify"),
        copy_data=parsed.flag("copy_data"),
    )
    failed = ctx.probe.import_sstables(keyspace, table, directories, options)
    if failed:
        ctx.err.write("Some directories failed to import, check server logs for details:\n")
        for directory in failed:
            ctx.err.write(f"{directory}\n")
        raise CommandExit(1)


def refresh(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 2:
        raise ProbeError("refresh requires ks and cf args")
    ctx.write("nodetool refresh is deprecated, use nodetool import instead\n")
    ctx.probe.refresh(parsed.arguments[0], parsed.arguments[1])


COMMANDS = (
    Command("enablebackup", "Enable incremental backup", enable_backup),
    Command("disablebackup", "Disable incremental backup", disable_backup),
    Command("statusbackup", "Status of incremental backup", status_backup),
    Command(
        "garbagecollect",
        "Remove deleted data from one or more tables",
        garbage_collect,
        (
            Option(
                ("-g", "--granularity"),
                "granularity",
                "Granularity of garbage removal. ROW (default) removes deleted partitions and rows, CELL "
                "also removes overwritten or deleted cells.",
                takes_value=True,
            ),
            _JOBS,
        ),
        *_KEYSPACE_TABLES,
    ),
    Command(
        "scrub",
        "Scrub (rebuild sstables for) one or more tables",
        scrub,
        (
            Option(
                ("-ns", "--no-snapshot"),
                "disable_snapshot",
                "Scrubbed CFs will be snapshotted first, if disableSnapshot is false. (default false)",
            ),
            Option(
                ("-s", "--skip-corrupted"),
                "skip_corrupted",
                "Skip corrupted partitions even when scrubbing counter tables. (default false)",
            ),
            Option(("-n", "--no-validate"), "no_validate", "Do not validate columns using column validator"),
            Option(
                ("-r", "--reinsert-overflowed-ttl"),
                "reinsert_overflowed_ttl",
                "Rewrites rows with overflowed expiration date",
            ),
            _JOBS,
        ),
        *_KEYSPACE_TABLES,
    ),
    Command(
        "verify",
        "Verify (check data checksum for) one or more tables",
        verify,
        (
            Option(
                ("-e", "--extended-verify"),
                "extended_verify",
                "Verify each cell data, beyond simply checking sstable checksums",
            ),
            Option(
                ("-c", "--check-version"),
                "check_version",
                "Also check that all sstables are the latest version",
            ),
            Option(
                ("-d", "--dfp"),
                "disk_failure_policy",
                "Invoke the disk failure policy if a corrupt sstable is found",
            ),
            Option(("-r", "--rsc"), "repair_status_change", "Mutate the repair status on corrupt sstables"),
            Option(
                ("-t", "--check-tokens"),
                "check_tokens",
                "Verify that all tokens in sstables are owned by this node",
            ),
            Option(
                ("-q", "--quick"), "quick", "Do a quick check - avoid reading all data to verify checksums"
            ),
            Option(
                ("-f", "--force"),
                "force",
                "Override disabling of verify tool - see CASSANDRA-9947 for caveats",
            ),
        ),
        *_KEYSPACE_TABLES,
    ),
    Command(
        "upgradesstables",
        "Rewrite sstables (for the requested tables) that are not on the current version (thus upgrading "
        "them to said current version)",
        upgrade_sstables,
        (
            Option(
                ("-a", "--include-all-sstables"),
                "include_all",
                "Use -a to include all sstables, even those already on the current version",
            ),
            _JOBS,
        ),
        *_KEYSPACE_TABLES,
    ),
    Command(
        "import",
        "Import new SSTables to the system",
        import_sstables,
        (
            Option(("-l", "--keep-level"), "keep_level", "Keep the level on the new sstables"),
            Option(
                ("-r", "--keep-repaired"), "keep_repaired", "Keep any repaired information from the sstables"
            ),
            Option(("-v", "--no-verify"), "no_verify", "Don't verify new sstables"),
            Option(
                ("-t", "--no-tokens"),
                "no_tokens",
                "Don't verify that all tokens in the new sstable are owned by the current node",
            ),
            Option(
                ("-c", "--no-invalidate-caches"),
                "no_invalidate_caches",
                "Don't invalidate the row cache when importing",
            ),
            Option(
                ("-q", "--quick"),
                "quick",
                "Do a quick import without verifying sstables, clearing row cache or checking in which data directory to put the file",
            ),
            Option(
                ("-e", "--extended-verify"),
                "extended_verify",
                "Run an extended verify, verifying all values in the new sstables",
            ),
            Option(("--copy-data",), "copy_data", "Copy data from source directories instead of moving them"),
        ),
        "<keyspace> <table> <directory> ...",
        "The keyspace, table name and directories to import sstables from",
    ),
    Command(
        "refresh",
        "Load newly placed SSTables to the system without restart",
        refresh,
        (),
        "<keyspace> <cfname>",
        "The keyspace and table name",
    ),
)
