"""Saving and loading: exact round trips, every kind of bad file (each error names the first
bad key and leaves the model as it was), and atomic saves that survive an interruption."""

from __future__ import annotations

import json
import os
import pickle
import socket
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, Network, Unit


def model() -> MLP:
    return MLP(2, [3, 1], rng=0)


def saved(tmp_path: Path, source: MLP | None = None) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "model.json"
    (source or model()).save(path)
    return path, json.loads(path.read_text())


def test_round_trip_is_exact(tmp_path: Path) -> None:
    source = MLP(3, [4, 2], "tanh", rng=1)
    path = tmp_path / "m.json"
    source.save(path)
    target = MLP(3, [4, 2], "tanh", rng=2)
    assert target.state_dict() != source.state_dict()
    assert target.load(path) is target
    assert target.state_dict() == source.state_dict()
    document = json.loads(path.read_text())
    assert document["format"] == "autograd-lite/nn" and document["version"] == 1
    assert document["architecture"] == repr(source)
    assert list(document["parameters"]) == [name for name, _ in source.named_parameters()]


@settings(max_examples=30)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=7, max_size=7))
def test_any_finite_float_survives_a_round_trip(tmp_path_factory: pytest.TempPathFactory, values: list[float]) -> None:
    net = Network(["a", "b"], [Unit("h", ["a", "b"]), Unit("y", ["a", "b", "h"])], rng=0)
    for p, v in zip(net.parameters(), values, strict=True):
        p.data = v
    path = tmp_path_factory.mktemp("rt") / "net.json"
    net.save(path)
    other = Network(["a", "b"], [Unit("h", ["a", "b"]), Unit("y", ["a", "b", "h"])], rng=1)
    other.load(path)
    assert [p.data for p in other.parameters()] == values


def test_state_dict_round_trip_and_strictness() -> None:
    source, target = model(), MLP(2, [3, 1], rng=9)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    partial = {"layers.1.neurons.0.b": 5.0, "extra": 1.0}
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"missing key 'layers.0.neurons.0.w.0'"):
        target.load_state_dict(partial)
    assert target.state_dict() == before
    target.load_state_dict(partial, strict=False)
    assert target.state_dict() == {**before, "layers.1.neurons.0.b": 5.0}


def _write(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document))


FIRST = "layers.0.neurons.0.w.0"
SECOND = "layers.0.neurons.0.w.1"


def _with_parameter(document: dict[str, Any], key: str, raw: str) -> str:
    """The document as JSON text with one parameter's value replaced by raw JSON (NaN, 1e999...)."""
    text = json.dumps({**document, "parameters": {**document["parameters"], key: "@@"}})
    return text.replace('"@@"', raw)


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        ("NaN", ValueError, f"key '{FIRST}': expected a finite number, got nan"),
        ("Infinity", ValueError, f"key '{FIRST}': expected a finite number, got inf"),
        ("-1e999", ValueError, f"key '{FIRST}': expected a finite number, got -inf"),
        ('"0.5"', TypeError, f"key '{FIRST}': expected a number, got str '0.5'"),
        ("true", TypeError, f"key '{FIRST}': expected a number, got bool"),
        ("null", TypeError, f"key '{FIRST}': expected a number, got NoneType"),
        ("[0.5]", TypeError, f"key '{FIRST}': expected a number, got list"),
        ("1" + "0" * 400, ValueError, f"key '{FIRST}': 401-digit integer is too large"),
        # Past Python's int-to-str limit (4,300 digits) the key is still named, not the limit.
        ("1" + "0" * 4999, ValueError, f"key '{FIRST}': 5000-digit integer is too large for a float"),
        ("-" + "9" * 5000, ValueError, f"key '{FIRST}': 5000-digit integer is too large for a float"),
    ],
)
def test_a_bad_parameter_value_is_named_and_nothing_changes(
    tmp_path: Path, raw: str, error: type[Exception], message: str
) -> None:
    _, document = saved(tmp_path)
    path = tmp_path / "bad.json"
    path.write_text(_with_parameter(document, FIRST, raw))
    target = MLP(2, [3, 1], rng=5)
    before = target.state_dict()
    with pytest.raises(error, match=message.replace("[", r"\[").replace("(", r"\(")):
        target.load(path)
    assert target.state_dict() == before


def test_the_first_bad_key_in_model_order_is_named(tmp_path: Path) -> None:
    _, document = saved(tmp_path)
    parameters = dict(document["parameters"])
    parameters[SECOND] = "oops"
    parameters["layers.1.neurons.0.b"] = None
    path = tmp_path / "two.json"
    path.write_text(_with_parameter({**document, "parameters": parameters}, "layers.1.neurons.0.w.2", "NaN"))
    with pytest.raises(TypeError, match=f"key '{SECOND}'"):
        model().load(path)


def _mutations() -> list[tuple[str, Any, type[Exception], str]]:
    return [
        ("top level list", lambda d: [d], TypeError, "expected a JSON object at the top level, got list"),
        ("no format", lambda d: {k: v for k, v in d.items() if k != "format"}, ValueError, "missing key 'format'"),
        ("wrong format", lambda d: {**d, "format": "pickle"}, ValueError, "key 'format': expected 'autograd-lite/nn', got 'pickle'"),
        ("version string", lambda d: {**d, "version": "1"}, ValueError, "key 'version': expected 1, got '1'"),
        ("version 2", lambda d: {**d, "version": 2}, ValueError, "key 'version': expected 1, got 2"),
        ("version true", lambda d: {**d, "version": True}, ValueError, "key 'version': expected 1, got True"),
        ("architecture type", lambda d: {**d, "architecture": 3}, TypeError, "key 'architecture': expected a string"),
        ("no parameters", lambda d: {k: v for k, v in d.items() if k != "parameters"}, ValueError, "missing key 'parameters'"),
        ("parameters list", lambda d: {**d, "parameters": list(d["parameters"].values())}, TypeError, "key 'parameters': expected an object, got list"),
        (
            "missing parameter",
            lambda d: {**d, "parameters": {k: v for k, v in d["parameters"].items() if k != SECOND}},
            ValueError,
            f"missing key '{SECOND}'",
        ),
        ("unexpected parameter", lambda d: {**d, "parameters": {**d["parameters"], "layers.9.b": 1.0}}, ValueError, "unexpected key 'layers.9.b'"),
    ]


@pytest.mark.parametrize(("name", "mutate", "error", "message"), _mutations(), ids=[m[0] for m in _mutations()])
def test_a_bad_envelope_or_key_set_is_named_and_nothing_changes(
    tmp_path: Path, name: str, mutate: Any, error: type[Exception], message: str
) -> None:
    _, document = saved(tmp_path)
    path = tmp_path / "bad.json"
    _write(path, mutate(document))
    target = MLP(2, [3, 1], rng=5)
    before = target.state_dict()
    with pytest.raises(error, match=message.replace("(", r"\(")):
        target.load(path)
    assert target.state_dict() == before


def test_a_truncated_file_at_every_length_is_refused(tmp_path: Path) -> None:
    path, _ = saved(tmp_path)
    text = path.read_bytes()
    target = MLP(2, [3, 1], rng=5)
    before = target.state_dict()
    cut = tmp_path / "cut.json"
    for length in range(0, len(text) - 2, 7):
        cut.write_bytes(text[:length])
        with pytest.raises(ValueError, match="not valid JSON, the file is truncated or corrupt"):
            target.load(cut)
    assert target.state_dict() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
        (pickle.dumps({"parameters": {}}), "not (UTF-8 text|valid JSON)"),
        (b'{"format": "autograd-lite/nn", "format": "x"}', "duplicate key 'format'"),
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply|not valid JSON"),
        (b"", "not valid JSON"),
    ],
    ids=["binary", "pickle", "duplicate", "deep", "empty"],
)
def test_corrupt_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "corrupt.json"
    path.write_bytes(content)
    target = model()
    before = target.state_dict()
    with pytest.raises(ValueError, match=message):
        target.load(path)
    assert target.state_dict() == before


def test_a_different_architecture_is_refused(tmp_path: Path) -> None:
    path, _ = saved(tmp_path)
    with pytest.raises(ValueError, match=r"missing key 'layers.0.neurons.3.w.0'"):
        MLP(2, [4, 1], rng=0).load(path)
    with pytest.raises(ValueError, match=r"missing key 'layers.0.neurons.0.w.2'"):
        MLP(3, [3, 1], rng=0).load(path)
    tanh = MLP(2, [3, 1], "tanh", rng=3)
    before = tanh.state_dict()
    with pytest.raises(ValueError, match=r"key 'architecture': the file holds .*relu.*this model is .*tanh"):
        tanh.load(path)
    assert tanh.state_dict() == before
    tanh.load(path, strict=False)
    assert tanh.state_dict() == model().state_dict()


def test_saving_a_non_finite_parameter_writes_nothing(tmp_path: Path) -> None:
    source = model()
    source.layers[1].neurons[0].b.data = float("nan")
    path = tmp_path / "nan.json"
    with pytest.raises(ValueError, match=r"key 'layers.1.neurons.0.b': parameter is not finite"):
        source.save(path)
    assert list(tmp_path.iterdir()) == []


class _Interrupted(OSError):
    pass


@pytest.mark.parametrize("failure", ["dump", "write", "replace", "interrupt"])
def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    path, _ = saved(tmp_path)
    old = path.read_bytes()
    real_fdopen = os.fdopen

    class HalfWritten:
        """A file whose write puts half the bytes on disk, then fails."""

        def __init__(self, file: Any) -> None:
            self.file = file

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> int:
            self.file.write(data[: len(data) // 2])
            raise _Interrupted("disk full")

    def dump_then_fail(document: Any, **options: Any) -> str:
        raise _Interrupted("killed in the middle of json.dumps")

    def open_failing_writes(descriptor: int, mode: str) -> HalfWritten:
        return HalfWritten(real_fdopen(descriptor, mode))

    def replace_fails(source: Any, target: Any) -> None:
        raise _Interrupted("power cut before the rename")

    def sync_interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    patches = {
        "dump": (json, "dumps", dump_then_fail),
        "write": (os, "fdopen", open_failing_writes),
        "replace": (os, "replace", replace_fails),
        "interrupt": (os, "fsync", sync_interrupted),
    }
    module, attribute, fake = patches[failure]  # the very modules nn.checkpoint and autograd_lite.atomic_file call
    monkeypatch.setattr(module, attribute, fake)
    changed = model()
    changed.layers[0].neurons[0].w[0].data = 123.0
    with pytest.raises((_Interrupted, KeyboardInterrupt)):
        changed.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
    assert MLP(2, [3, 1], rng=4).load(path).state_dict() == model().state_dict()


def test_saving_over_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    path, _ = saved(tmp_path)
    os.chmod(path, 0o600)
    model().save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.json"
    model().save(fresh)
    assert os.stat(fresh).st_mode & 0o777 == 0o644


def test_load_of_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        model().load(tmp_path / "absent.json")


def test_load_state_dict_refuses_a_non_mapping() -> None:
    with pytest.raises(TypeError, match="load_state_dict: expected a mapping"):
        model().load_state_dict([1.0, 2.0])  # type: ignore[arg-type]


def test_an_enormous_file_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    target = model()
    path = tmp_path / "enormous.json"
    good = tmp_path / "good.json"
    target.save(good)
    # A valid checkpoint padded with 50 MB of whitespace: JSON would accept it, the size check does not.
    path.write_bytes(good.read_bytes()[:-1] + b" " * 50_000_000 + b"}")
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"larger than \d+ bytes"):
        target.load(path)
    assert target.state_dict() == before
    target.load(good)  # a real checkpoint of the same model is well inside the limit


def test_a_5000_digit_version_is_named_as_such(tmp_path: Path) -> None:
    _, document = saved(tmp_path)
    path = tmp_path / "version.json"
    path.write_text(json.dumps({**document, "version": "@@"}).replace('"@@"', "7" * 5000))
    with pytest.raises(ValueError, match="key 'version': expected 1, got a 5000-digit integer") as caught:
        model().load(path)
    assert "int_max_str_digits" not in str(caught.value) and "4300" not in str(caught.value)


def test_load_state_dict_names_the_key_of_a_5000_digit_integer() -> None:
    target = model()
    state = {**target.state_dict(), FIRST: 10**4999}
    with pytest.raises(ValueError, match=f"key '{FIRST}': 5000-digit integer is too large for a float"):
        target.load_state_dict(state)


def _load_in_a_thread(target: MLP, path: Path) -> tuple[threading.Thread, list[BaseException]]:
    """Start ``target.load(path)`` in a daemon thread; what it raised lands in the list."""
    raised: list[BaseException] = []

    def load() -> None:
        try:
            target.load(path)
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    return thread, raised


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_loading_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    target = model()
    before = target.state_dict()
    thread, raised = _load_in_a_thread(target, pipe)
    thread.join(timeout=20)
    if thread.is_alive():
        # Blocked in open(): a writer that opens and closes the pipe lets it go, then fail.
        os.close(os.open(pipe, os.O_WRONLY))
        thread.join(timeout=20)
        pytest.fail("Module.load blocked on a named pipe, waiting for a writer")
    assert len(raised) == 1 and isinstance(raised[0], ValueError)
    assert "is a named pipe (FIFO), not a regular file" in str(raised[0])
    assert str(pipe) in str(raised[0])
    assert target.state_dict() == before


def test_loading_a_directory_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a directory, not a regular file"):
        model().load(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_loading_a_device_that_never_ends_is_refused_before_reading(tmp_path: Path) -> None:
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)
    target = model()
    before = target.state_dict()
    thread, raised = _load_in_a_thread(target, Path("/dev/zero"))
    thread.join(timeout=20)
    assert not thread.is_alive(), "Module.load kept reading /dev/zero"
    assert "is a character device, not a regular file" in str(raised[0])
    assert target.state_dict() == before


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_loading_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        # Opening a socket fails outright (ENXIO); the message still says what the path is.
        with pytest.raises(ValueError, match="is a socket, not a regular file"):
            model().load(path)


def test_a_symlink_to_a_checkpoint_loads_the_file_it_names(tmp_path: Path) -> None:
    source = MLP(2, [3, 1], rng=4)
    real = tmp_path / "real.json"
    source.save(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert model().load(link).state_dict() == source.state_dict()


def test_a_module_saved_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    MLP(2, [1], rng=0).save(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    source = MLP(2, [1], rng=1)
    source.save(link)
    assert link.is_symlink()
    assert MLP(2, [1], rng=2).load(real).state_dict() == source.state_dict()


def test_a_module_saves_to_a_legal_250_character_name(tmp_path: Path) -> None:
    # The temporary file beside it would need 250 + 20 characters: it must be cut to fit.
    path = tmp_path / ("m" * 245 + ".json")
    source = MLP(2, [3, 1], rng=6)
    source.save(path)
    source.save(path)
    assert model().load(path).state_dict() == source.state_dict()
    assert os.listdir(tmp_path) == [path.name]
