"""CREATE/ALTER KEYSPACE replication validation: Cassandra 5.0's checks, order and messages."""

from __future__ import annotations

import pytest

from engine.errors import ConfigurationException, InvalidRequest
from engine.locator import Topology, create_strategy, prepare_options, validate_options
from engine.locator.replication_factor import ReplicationFactor, java_parse_int

ONE_DC = Topology.of(["127.0.0.1"])
TWO_DCS = Topology.of({"127.0.0.1": ("dc1", "r1"), "127.0.0.2": ("dc1", "r2"), "127.0.0.3": ("dc2", "r1")})


def check(class_name, options, topology=ONE_DC, keyspace="ks", **kwargs):
    return validate_options(class_name, options, keyspace, topology, **kwargs)


def refused(class_name, options, topology=ONE_DC, keyspace="ks", error=ConfigurationException, **kwargs):
    with pytest.raises(error) as info:
        check(class_name, options, topology, keyspace, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------------------------------ classes


def test_class_resolution():
    assert refused(None, {}) == "Missing replication strategy class"
    assert (
        refused("Foo", {}) == "Unable to find replication strategy class 'org.apache.cassandra.locator.Foo'"
    )
    assert refused("com.example.Foo", {}) == "Unable to find replication strategy class 'com.example.Foo'"
    assert refused("OldNetworkTopologyStrategy", {}) == (
        "The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. "
        "The keyspace strategy should be switch to NetworkTopologyStrategy"
    )
    assert refused("LocalStrategy", {}, error=InvalidRequest) == (
        "Unable to use given strategy class: LocalStrategy is reserved for internal use."
    )
    ok = check("org.apache.cassandra.locator.SimpleStrategy", {"replication_factor": "2"})
    assert ok.strategy_class == "org.apache.cassandra.locator.SimpleStrategy"
    assert dict(ok.options) == {"replication_factor": "2"}
    assert ok.as_params().options["replication_factor"] == "2"


# ------------------------------------------------------------------------------------- SimpleStrategy


def test_simple_strategy_default_rf():
    # Cassandra 5.0 fills in default_keyspace_rf (prepareOptions) before validating.
    assert dict(check("SimpleStrategy", {}).options) == {"replication_factor": "1"}
    assert dict(check("SimpleStrategy", {}, default_rf=2, topology=TWO_DCS).options) == {
        "replication_factor": "2"
    }
    # ALTER keeps the previous factor
    prev = {"replication_factor": "3"}
    assert dict(check("SimpleStrategy", {}, previous_options=prev).options) == prev


def test_simple_strategy_requires_rf_when_not_prepared():
    with pytest.raises(
        ConfigurationException, match=r"^SimpleStrategy requires a replication_factor strategy option\.$"
    ):
        create_strategy("SimpleStrategy", {}, "ks")


@pytest.mark.parametrize(
    ("rf", "message"),
    [
        ("abc", 'For input string: "abc"'),
        ("", 'For input string: ""'),
        (" 3", 'For input string: " 3"'),
        ("3.0", 'For input string: "3.0"'),
        ("99999999999", 'For input string: "99999999999"'),
        ("-1", "Replication factor must be non-negative, found -1"),
        ("3/1", "Transient replication is not enabled on this node"),
        ("3/", "Replication factor format is <replicas> or <replicas>/<transient>"),
        ("3/1/1", "Replication factor format is <replicas> or <replicas>/<transient>"),
        ("/1", 'For input string: ""'),
    ],
)
def test_simple_strategy_bad_factor(rf, message):
    assert refused("SimpleStrategy", {"replication_factor": rf}) == message


def test_simple_strategy_unrecognized_option():
    assert refused("SimpleStrategy", {"replication_factor": "1", "dc1": "3"}, keyspace="KS1") == (
        "Unrecognized strategy option {dc1} passed to SimpleStrategy for keyspace KS1"
    )


def test_simple_strategy_warning():
    assert check("SimpleStrategy", {"replication_factor": "3"}).warnings == (
        "Your replication factor 3 for keyspace ks is higher than the number of nodes 1",
    )
    assert check("SimpleStrategy", {"replication_factor": "3"}, keyspace="system_auth").warnings == ()
    assert check("SimpleStrategy", {"replication_factor": "1"}).warnings == ()
    assert check("SimpleStrategy", {"replication_factor": "0"}).warnings == ()


def test_plus_sign_is_a_number_as_in_java():
    assert java_parse_int("+3") == 3
    assert dict(check("SimpleStrategy", {"replication_factor": "+3"}).options) == {"replication_factor": "+3"}


# --------------------------------------------------------------------------- NetworkTopologyStrategy


def test_nts_replication_factor_expands_to_every_datacenter():
    result = check("NetworkTopologyStrategy", {"replication_factor": "3"}, TWO_DCS)
    assert dict(result.options) == {"dc1": "3", "dc2": "3"}
    assert result.warnings == (
        "Your replication factor 3 for keyspace ks is higher than the number of nodes 2 for datacenter dc1",
        "Your replication factor 3 for keyspace ks is higher than the number of nodes 1 for datacenter dc2",
    )
    # explicit datacenters win over the expansion
    assert dict(
        check("NetworkTopologyStrategy", {"replication_factor": "2", "dc2": "1"}, TWO_DCS).options
    ) == {
        "dc2": "1",
        "dc1": "2",
    }
    # no option at all: default_keyspace_rf everywhere
    assert dict(check("NetworkTopologyStrategy", {}, TWO_DCS).options) == {"dc1": "1", "dc2": "1"}


def test_nts_zero_datacenters_dropped():
    assert dict(check("NetworkTopologyStrategy", {"dc1": "2", "dc2": "0"}, TWO_DCS).options) == {"dc1": "2"}
    assert refused("NetworkTopologyStrategy", {"dc1": "0"}, TWO_DCS) == (
        "Configuration for at least one datacenter must be present"
    )


def test_nts_unrecognized_datacenter():
    assert refused("NetworkTopologyStrategy", {"dc1": "2", "dc9": "1"}, TWO_DCS) == (
        "Unrecognized strategy option {dc9} passed to NetworkTopologyStrategy for keyspace ks"
    )


def test_nts_bad_factors():
    assert refused("NetworkTopologyStrategy", {"dc1": "x"}, TWO_DCS) == 'For input string: "x"'
    assert refused("NetworkTopologyStrategy", {"dc1": "-2"}, TWO_DCS) == (
        "Replication factor must be non-negative, found -2"
    )
    assert refused("NetworkTopologyStrategy", {"dc1": "3/1"}, TWO_DCS) == (
        "Transient replication is not enabled on this node"
    )
    # Cassandra ignores exceptions from prepareOptions: a bad replication_factor silently vanishes.
    assert refused("NetworkTopologyStrategy", {"replication_factor": "x"}, TWO_DCS) == (
        "Configuration for at least one datacenter must be present"
    )
    assert refused("NetworkTopologyStrategy", {"REPLICATION_FACTOR": "2"}, TWO_DCS) == (
        "replication_factor should not appear as an option at construction time for NetworkTopologyStrategy"
    )


def test_nts_alter_keeps_previous_datacenters():
    previous = {"dc1": "3", "dc2": "2"}
    assert (
        dict(
            check(
                "NetworkTopologyStrategy", {"replication_factor": "1"}, TWO_DCS, previous_options=previous
            ).options
        )
        == previous
    )
    # ALTER from SimpleStrategy to NTS without options: the old factor, everywhere
    assert dict(
        check("NetworkTopologyStrategy", {}, TWO_DCS, previous_options={"replication_factor": "2"}).options
    ) == {"dc1": "2", "dc2": "2"}


def test_nts_system_auth_must_cover_every_datacenter():
    assert refused("NetworkTopologyStrategy", {"dc1": "1"}, TWO_DCS, keyspace="system_auth") == (
        "Following datacenters have active nodes and must be present in replication options for keyspace "
        "system_auth: [dc2]"
    )


def test_prepare_options_alone():
    assert prepare_options("NetworkTopologyStrategy", {"replication_factor": "2"}, topology=TWO_DCS) == {
        "dc1": "2",
        "dc2": "2",
    }
    assert prepare_options("EverywhereStrategy", {"x": "1"}) == {"x": "1"}


# ---------------------------------------------------------------------------------- other strategies


def test_everywhere_strategy_takes_no_option():
    assert dict(check("EverywhereStrategy", {}).options) == {}
    assert refused("EverywhereStrategy", {"replication_factor": "1"}) == (
        "Unrecognized strategy option {replication_factor} passed to EverywhereStrategy for keyspace ks"
    )


def test_transient_replication_enabled_needs_single_token():
    assert refused("SimpleStrategy", {"replication_factor": "3/1"}, transient_replication_enabled=True) == (
        "Transient nodes are not allowed with multiple tokens"
    )
    ok = check(
        "SimpleStrategy", {"replication_factor": "3/1"}, transient_replication_enabled=True, num_tokens=1
    )
    assert dict(ok.options) == {"replication_factor": "3/1"}


def test_replication_factor_values():
    rf = ReplicationFactor.parse("3")
    assert (rf.all_replicas, rf.full_replicas, rf.has_transient_replicas) == (3, 3, False)
    assert str(rf) == "rf(3)"
    rf = ReplicationFactor.parse("3/1", transient_replication_enabled=True, num_tokens=1)
    assert rf.to_parseable_string() == "3/1" and rf.transient_replicas == 1
    with pytest.raises(ValueError, match="Transient replicas must be zero, or less than total"):
        ReplicationFactor.parse("2/2", transient_replication_enabled=True, num_tokens=1)
