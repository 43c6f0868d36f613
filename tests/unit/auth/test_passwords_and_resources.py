from __future__ import annotations

from engine.auth import passwords
from engine.auth.resources import AuthResource, Permission, ResourceTree


def test_hash_is_salted_and_verifies_only_the_right_password() -> None:
    first = passwords.hash_password("secret", passwords.TEST_COST)
    second = passwords.hash_password("secret", passwords.TEST_COST)
    assert first != second  # a fresh salt each time
    assert first.startswith("$scrypt$ln=4,r=8,p=1$")
    assert "secret" not in first
    assert passwords.check_password("secret", first)
    assert not passwords.check_password("Secret", first)
    assert not passwords.check_password("secret", None)
    assert not passwords.check_password("secret", "$2a$10$notscrypt")


def test_default_cost_is_slow_scrypt() -> None:
    stored = passwords.hash_password("cassandra")
    assert stored.startswith("$scrypt$ln=14,r=8,p=1$")
    assert passwords.check_password("cassandra", stored)


def test_hash_with_known_salt_is_deterministic() -> None:
    salt = bytes(range(16))
    assert passwords.hash_password("pw", passwords.TEST_COST, salt) == passwords.hash_password(
        "pw", passwords.TEST_COST, salt
    )
    assert passwords.is_valid_hash(passwords.hash_password("pw", passwords.TEST_COST, salt))
    assert not passwords.is_valid_hash("$scrypt$ln=99,r=8,p=1$AA$AA")


def test_resource_names_display_and_chain() -> None:
    table = AuthResource.table("ks", "t")
    assert table.name == "data/ks/t"
    assert str(table) == "<table ks.t>"
    assert [str(r) for r in table.chain()] == ["<table ks.t>", "<keyspace ks>", "<all keyspaces>"]
    assert AuthResource.from_name("data/ks/t") == table
    assert str(AuthResource.role("bob")) == "<role bob>"
    assert str(AuthResource.all_roles()) == "<all roles>"
    assert str(AuthResource.function("ks", "f", ("int", "text"))) == "<function ks.f(int, text)>"
    assert AuthResource.function("ks", "f", ("int",)).name == "functions/ks/f[int]"
    assert str(AuthResource.keyspace_functions("ks")) == "<all functions in ks>"
    assert AuthResource.all_functions().tree is ResourceTree.FUNCTIONS


def test_applicable_permissions() -> None:
    assert Permission.CREATE not in AuthResource.table("ks", "t").applicable_permissions()
    assert Permission.CREATE in AuthResource.keyspace("ks").applicable_permissions()
    assert AuthResource.role("r").applicable_permissions() == {
        Permission.ALTER,
        Permission.DROP,
        Permission.AUTHORIZE,
    }
    assert Permission.DESCRIBE in AuthResource.all_roles().applicable_permissions()
    assert Permission.EXECUTE in AuthResource.all_functions().applicable_permissions()
