"""The storage engine of one node: data model, commitlog, memtables, SSTables, compaction, snapshots."""
