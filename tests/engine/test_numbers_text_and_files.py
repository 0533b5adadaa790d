"""``real_numbers`` and ``atomic_file``: one overflow rule for every kind of number, and atomic writes that keep the
temporary name within the file-name limit and write through symbolic links as editors do."""

from __future__ import annotations

import math
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.atomic_file import write_atomically
from autograd_lite.real_numbers import to_float

NAME_MAX = 255  # the file-name limit of ext4, xfs, btrfs and tmpfs, in bytes


# ---- one rule for numbers too large for a float -----------------------------------------------


@pytest.mark.parametrize(
    "huge",
    [10**400, -(10**400), Decimal("1e400"), Decimal("-1e400"), Fraction(10**400), Fraction(-(10**401), 3)],
    ids=["int", "-int", "Decimal", "-Decimal", "Fraction", "-Fraction"],
)
def test_every_finite_number_too_large_for_a_float_is_an_overflow_error(huge: object) -> None:
    # float(Decimal('1e400')) is inf and float(10**400) raises: the engine treats both alike.
    with pytest.raises(OverflowError, match="too large for a float"):
        to_float(huge)
    with pytest.raises(OverflowError, match=r"Value.constant: .* too large for a float"):
        Value.constant(huge)  # type: ignore[arg-type]


def test_an_overflow_message_never_prints_the_whole_number() -> None:
    with pytest.raises(OverflowError) as caught:
        Value(Fraction(10**5000))
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize(
    ("number", "expected"),
    [(Decimal("Infinity"), math.inf), (Decimal("-Infinity"), -math.inf), (Decimal("1e-400"), 0.0),
     (Decimal("-1e-400"), -0.0), (Fraction(1, 10**400), 0.0)],
)  # fmt: skip
def test_true_infinities_and_underflow_are_what_ieee_floats_say(number: object, expected: float) -> None:
    # An infinite Decimal is infinity, not an overflow; a tiny number rounds to a zero, as float('1e-400') does.
    result = to_float(number)
    assert result == expected and math.copysign(1.0, result) == math.copysign(1.0, expected)


def test_a_nan_decimal_is_nan() -> None:
    assert math.isnan(to_float(Decimal("NaN")))


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_decimal_is_its_float_or_an_overflow(number: Decimal) -> None:
    exact = float(number)  # Python's correctly rounded conversion, inf when it overflows
    if math.isinf(exact):
        with pytest.raises(OverflowError):
            to_float(number)
    else:
        assert to_float(number) == exact


def test_numpy_scalars_follow_the_same_rule() -> None:
    np = pytest.importorskip("numpy")
    assert to_float(np.float32(1.5)) == 1.5 and to_float(np.int64(-3)) == -3.0
    assert to_float(np.float16("inf")) == math.inf
    if np.finfo(np.longdouble).max > 1e400:  # x86's 80-bit long double holds 1e400; other platforms do not
        with pytest.raises(OverflowError):
            to_float(np.longdouble("1e400"))
    with pytest.raises(TypeError):
        to_float(np.bool_(True))


# ---- atomic writes: file-name limit ------------------------------------------------------------


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name not in keep)


@pytest.mark.parametrize("length", [NAME_MAX - 5, NAME_MAX])
def test_a_legal_long_file_name_saves_and_leaves_no_temporary_file(tmp_path: Path, length: int) -> None:
    # A temporary name of '.{name}.{token}.tmp' would be longer than the limit: it must be cut.
    name = "a" * (length - 5) + ".json"
    write_atomically(tmp_path / name, b"first")
    write_atomically(tmp_path / name, b"second")
    assert (tmp_path / name).read_bytes() == b"second"
    assert _leftovers(tmp_path, {name}) == []


def test_the_name_limit_is_counted_in_bytes(tmp_path: Path) -> None:
    # 'é' is two bytes in UTF-8: 122 of them and '.json' make a 249-byte name (limit 255).
    name = "é" * 122 + ".json"
    assert len(name.encode()) == 249
    write_atomically(tmp_path / name, b"ok")
    assert (tmp_path / name).read_bytes() == b"ok"
    assert _leftovers(tmp_path, {name}) == []


def test_the_temporary_name_fits_the_limit_and_sits_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Path, Path]] = []
    replace = os.replace

    def watched(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        seen.append((Path(source), Path(target)))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watched)
    name = "b" * NAME_MAX
    write_atomically(tmp_path / name, b"x")
    ((source, target),) = seen
    assert source.parent == target.parent == tmp_path
    assert len(source.name.encode()) <= NAME_MAX and source.name.startswith(".")


# ---- atomic writes: symbolic links --------------------------------------------------------------


def test_writing_through_a_symlink_updates_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    assert write_atomically(link, b"new") == real
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert real.read_bytes() == b"new" and link.read_bytes() == b"new"
    assert os.stat(real).st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path, {"real.json", "link.json"}) == []


def test_a_chain_of_relative_links_across_directories_is_followed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "links").mkdir()
    real = tmp_path / "data" / "model.json"
    real.write_bytes(b"old")
    (tmp_path / "data" / "current").symlink_to("model.json")
    first = tmp_path / "links" / "m.json"
    first.symlink_to("../data/current")
    write_atomically(first, b"new")
    assert real.read_bytes() == b"new"
    assert first.is_symlink() and (tmp_path / "data" / "current").is_symlink()
    assert _leftovers(tmp_path / "links", {"m.json"}) == []


def test_a_dangling_link_creates_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    write_atomically(link, b"made")
    assert link.is_symlink() and (tmp_path / "made.json").read_bytes() == b"made"


def test_a_loop_of_links_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError):
        write_atomically(tmp_path / "a", b"x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert _leftovers(tmp_path, {"a", "b"}) == []

