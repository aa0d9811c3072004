"""De-identify DICOM data with the dicom-anonymizer engine (Rust), from Python.

The same plan, engine and bytes as the ``dicom-anonymizer`` command: every call goes
through the library's one entry point. Moving over from the old ``dicomanonymizer``
package is a change of the import line::

    from dicom_anonymizer import anonymize_dataset   # was: from dicomanonymizer import ...

    anonymize_dataset(ds)                             # the built-in default profile
    anonymize_dataset(ds, {(0x0010, 0x0020): "keep"}, key=b"a secret of 16+ bytes")

Profiles compile once (:class:`Profile`) and can be shared between threads. Errors are
Python exceptions (:class:`ProfileError`, :class:`AnonymizationError`) whose messages
name tags, files and causes, never a value of a dataset.
"""

from __future__ import annotations

import copy
import io
import json
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native

__version__ = _native.__version__

__all__ = [
    "ALL_TAGS",
    "AnonymizationError",
    "Diagnostic",
    "Profile",
    "ProfileError",
    "anonymize",
    "anonymize_dataset",
    "anonymize_dicom_file",
    "delete",
    "delete_or_empty",
    "delete_or_empty_or_replace",
    "delete_or_empty_or_replace_UID",
    "delete_or_replace",
    "empty",
    "empty_or_replace",
    "keep",
    "lint",
    "regexp",
    "replace",
    "replace_UID",
    "replace_with_value",
]

PathLike = Union[str, "os.PathLike[str]"]
Tag = Union[int, Tuple[int, int], Tuple[int, int, int, int], str]
RuleValue = Union[str, Mapping[str, Any], Callable[[Any, Tuple[int, int]], Any]]
Rules = Mapping[Any, RuleValue]
KeyLike = Union[bytes, bytearray, str]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a profile (what ``dicom-anonymizer lint`` reports)."""

    code: str
    severity: str
    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    help: Optional[str] = None
    label: Optional[str] = None

    @classmethod
    def _from_json(cls, d: Mapping[str, Any]) -> "Diagnostic":
        loc = d.get("location") or {}
        return cls(
            code=d.get("code", ""),
            severity=d.get("severity", "error"),
            message=d.get("message", ""),
            file=loc.get("file"),
            line=loc.get("line"),
            column=loc.get("column"),
            help=d.get("help"),
            label=d.get("label"),
        )

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        return f"{where}{self.severity}[{self.code}]: {self.message}"


class ProfileError(ValueError):
    """A profile does not compile. ``diagnostics`` lists every problem (errors and
    warnings); ``rendered`` is the report as ``lint`` prints it."""

    def __init__(self, diagnostics: List[Diagnostic], rendered: str) -> None:
        errors = [d for d in diagnostics if d.severity == "error"]
        first = str(errors[0]) if errors else "the profile does not compile"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)
        self.diagnostics = diagnostics
        self.rendered = rendered


class AnonymizationError(Exception):
    """An instance was not de-identified. ``outcome`` is ``"failed"``, ``"skipped"``
    (a DICOMDIR) or ``"rejected"`` (by the policy); ``reason`` names causes and tags,
    never values; ``path`` is the file, when there is one."""

    def __init__(self, outcome: str, reason: str, path: Optional[str] = None) -> None:
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason
        self.path = path


# --------------------------------------------------------------------------- profiles


_Source = Tuple[str, str, str]


def _compile(sources: Sequence[_Source]) -> Tuple[Any, List[Diagnostic], str]:
    plan, diag_json, rendered = _native.compile(list(sources))
    diags = [Diagnostic._from_json(d) for d in json.loads(diag_json)]
    return plan, diags, rendered


class Profile:
    """A compiled profile (an immutable plan), reusable across datasets and threads.

    Build one with :meth:`from_file`, :meth:`from_text`, :meth:`builtin` or
    :meth:`default`; combine with :meth:`then` (later profiles override earlier ones).
    """

    __slots__ = ("_sources", "_plan", "warnings")

    def __init__(self, sources: Sequence[_Source]) -> None:
        plan, diags, rendered = _compile(sources)
        if plan is None:
            raise ProfileError(diags, rendered)
        self._sources: Tuple[_Source, ...] = tuple(sources)
        self._plan = plan
        #: warnings the compiler reported (a profile with warnings compiles)
        self.warnings: List[Diagnostic] = diags

    @classmethod
    def from_file(cls, path: PathLike) -> "Profile":
        """A ``.anon`` file; its includes are relative to it."""
        return cls([("path", os.fspath(path), "")])

    @classmethod
    def from_text(cls, text: str, name: str = "<text>") -> "Profile":
        """A profile given as text (``name`` is what diagnostics show)."""
        return cls([("text", name, text)])

    @classmethod
    def builtin(cls, name: str) -> "Profile":
        """An embedded profile: ``basic``, ``extra``, or an option like ``retain-uids``."""
        return cls([("builtin", name[len("builtin:"):] if name.startswith("builtin:") else name, "")])

    @classmethod
    def default(cls) -> "Profile":
        """The built-in default of ``run``: ``builtin:basic``, ``builtin:extra``, then
        ``builtin:pixel-signatures``."""
        return cls([("builtin", "basic", ""), ("builtin", "extra", ""), ("builtin", "pixel-signatures", "")])

    def then(self, later: "Profile") -> "Profile":
        """This profile, then ``later`` (which overrides it)."""
        return Profile(self._sources + later._sources)

    def plan(self, tag: Tag) -> str:
        """Explains what happens to an attribute, as ``dicom-anonymizer plan TAG``
        prints it: a keyword, ``(gggg,eeee)``, a mask, a path ``Seq/Tag``, an int or a
        ``(group, element)`` tuple."""
        return self._plan.explain(_query(tag))

    def table(self) -> str:
        """The whole compiled plan, as ``dicom-anonymizer plan`` prints it."""
        return self._plan.table()

    @property
    def names(self) -> List[str]:
        """The profile names (written into De-identification Method)."""
        return self._plan.names()

    def __repr__(self) -> str:
        return f"Profile({', '.join(self.names) or 'unnamed'})"


def _query(tag: Tag) -> str:
    if isinstance(tag, str):
        return tag
    g, e = _pair(tag)
    return f"({g:04X},{e:04X})"


def _pair(tag: Any) -> Tuple[int, int]:
    if isinstance(tag, int):
        return (tag >> 16) & 0xFFFF, tag & 0xFFFF
    if isinstance(tag, tuple) and len(tag) == 2 and all(isinstance(x, int) for x in tag):
        return tag[0], tag[1]
    raise TypeError("a tag is an int, a (group, element) tuple, or a keyword string")


def lint(path_or_text: Union[PathLike, str]) -> List[Diagnostic]:
    """Every diagnostic of a profile (a path to a ``.anon`` file, or the text of one),
    errors and warnings; never raises for a bad profile."""
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str)
        and "\n" not in path_or_text
        and (path_or_text.endswith(".anon") or os.path.isfile(path_or_text))
    ):
        source: _Source = ("path", os.fspath(path_or_text), "")
    else:
        source = ("text", "<text>", str(path_or_text))
    return _compile([source])[1]


# --------------------------------------------------------------------------- old actions


class _Action:
    """An action of the old tool, usable as a rule value (``rules[tag] = keep``)."""

    __slots__ = ("name", "args")

    def __init__(self, name: str, args: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self.args = args

    def _json(self) -> Any:
        if self.args is None:
            return self.name
        return {"action": self.name, **self.args}

    def __call__(self, dataset: Any, tag: Tuple[int, int]) -> None:
        if self.name == "keep":
            return None
        raise TypeError(
            f"`{self.name}` is applied by the engine: use it as a rule value, "
            "e.g. anonymize_dataset(ds, {tag: " + self.name + "})"
        )

    def __repr__(self) -> str:
        return f"<action {self.name}>"


keep = _Action("keep")
delete = _Action("delete")
empty = _Action("empty")
replace = _Action("replace")
replace_UID = _Action("replace_UID")
empty_or_replace = _Action("empty_or_replace")
delete_or_empty = _Action("delete_or_empty")
delete_or_replace = _Action("delete_or_replace")
delete_or_empty_or_replace = _Action("delete_or_empty_or_replace")
delete_or_empty_or_replace_UID = _Action("delete_or_empty_or_replace_UID")


def _options(options: Union[Sequence[str], Mapping[str, str]], names: Sequence[str]) -> Dict[str, str]:
    if isinstance(options, Mapping):
        return {n: str(options[n]) for n in names}
    return {n: str(v) for n, v in zip(names, options)}


def regexp(options: Union[Sequence[str], Mapping[str, str]]) -> _Action:
    """``regexp`` with ``[find, replace]`` or ``{"find": ..., "replace": ...}``."""
    return _Action("regexp", _options(options, ("find", "replace")))


def replace_with_value(options: Union[Sequence[str], Mapping[str, str]]) -> _Action:
    """``replace_with_value`` with ``[value]`` or ``{"value": ...}``."""
    return _Action("replace_with_value", _options(options, ("value",)))


# --------------------------------------------------------------------------- rules -> plan


def _rule_key(tag: Any) -> Tuple[int, ...]:
    if isinstance(tag, str):
        from pydicom.datadict import tag_for_keyword
        from pydicom.tag import Tag as _PTag

        t = tag_for_keyword(tag)
        if t is None:
            try:
                t = int(_PTag(tag))
            except Exception:
                raise ValueError(f"`{tag}` is not a tag or keyword") from None
        return _pair(int(t))
    if isinstance(tag, tuple) and len(tag) == 4 and all(isinstance(x, int) for x in tag):
        return tuple(tag)
    return _pair(tag)


def _split_rules(rules: Optional[Rules]) -> Tuple[str, List[Tuple[Tuple[int, ...], Callable[..., Any]]]]:
    """The old tool's rules as its legacy JSON dictionary form (callables become
    ``keep``, so that they see the original element), and the callables."""
    if not rules:
        return "", []
    table: Dict[str, Any] = {}
    calls: List[Tuple[Tuple[int, ...], Callable[..., Any]]] = []
    for raw_tag, action in rules.items():
        key = _rule_key(raw_tag)
        name = "(" + ", ".join(f"0x{x:04X}" for x in key) + ")"
        if isinstance(action, _Action):
            table[name] = action._json()
        elif isinstance(action, str):
            table[name] = action
        elif isinstance(action, Mapping):
            table[name] = dict(action)
        elif callable(action):
            table[name] = "keep"
            calls.append((key, action))
        else:
            raise TypeError(f"the rule for {name} is not an action name, an action or a callable")
    return json.dumps(table), calls


def _profile_sources(profile: Union[None, Profile, PathLike, Sequence[Any]]) -> Tuple[_Source, ...]:
    if profile is None:
        # the CLI's default profile (Profile::default_profile): basic, extra, the pixel signatures
        return (("builtin", "basic", ""), ("builtin", "extra", ""), ("builtin", "pixel-signatures", ""))
    if isinstance(profile, Profile):
        return profile._sources
    if isinstance(profile, (str, os.PathLike)):
        s = os.fspath(profile)
        if s.startswith("builtin:"):
            return (("builtin", s[len("builtin:"):], ""),)
        return (("path", s, ""),)
    out: Tuple[_Source, ...] = ()
    for p in profile:
        out += _profile_sources(p)
    return out


_plans: Dict[Tuple[Any, ...], Any] = {}
_plans_lock = threading.Lock()


def _plan(profile: Any, rules_json: str, keep_private: bool) -> Any:
    sources = _profile_sources(profile)
    cache_key = (sources, rules_json, keep_private)
    with _plans_lock:
        cached = _plans.get(cache_key)
    if cached is not None:
        return cached
    extra: List[_Source] = []
    if rules_json:
        extra.append(("text", "<rules>", _native.convert_rules(rules_json, "<rules>")))
    if keep_private:
        extra.append(("text", "<keep_private>", "private keep\n"))
    plan, diags, rendered = _compile(list(sources) + extra)
    if plan is None:
        raise ProfileError(diags, rendered)
    with _plans_lock:
        if len(_plans) > 64:
            _plans.clear()
        _plans[cache_key] = plan
    return plan


_random_key: Optional[Any] = None


def _key(key: Optional[KeyLike], key_file: Optional[PathLike] = None) -> Any:
    global _random_key
    if key is not None and key_file is not None:
        raise ValueError("give key or key_file, not both")
    if key_file is not None:
        return _native.Key.from_file(os.fspath(key_file))
    if key is not None:
        if isinstance(key, str):
            key = key.encode("utf-8")
        return _native.Key.from_bytes(bytes(key))
    if _random_key is None:
        warnings.warn(
            "dicom_anonymizer: no key given: a random key was made for this process; "
            "new UIDs, pseudonyms and date shifts will not match any other process",
            stacklevel=3,
        )
        _random_key = _native.Key.random()
    return _random_key


def _keep_private(keep_private: bool, delete_private_tags: Optional[bool]) -> bool:
    return keep_private or (delete_private_tags is not None and not delete_private_tags)


# --------------------------------------------------------------------------- datasets


def _encode(dataset: Any) -> bytes:
    """The dataset as a Part 10 file (pydicom writes it). A dataset without file meta
    gets one for the trip: explicit VR little endian, so that its VRs are kept."""
    try:
        return _encode_unchecked(dataset)
    except AnonymizationError:
        raise
    except Exception as e:  # the message of pydicom's error may hold a value
        raise AnonymizationError("failed", f"pydicom could not encode the dataset ({type(e).__name__})") from None


def _encode_unchecked(dataset: Any) -> bytes:
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.datadict import dictionary_VR
    from pydicom.uid import ExplicitVRLittleEndian

    ds = dataset
    meta = getattr(dataset, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        ds = copy.copy(dataset)
        ds.file_meta = FileMetaDataset()
        # pydicom computes the group length when the element is there
        ds.file_meta.FileMetaInformationGroupLength = 0
        ds.file_meta.FileMetaInformationVersion = b"\0\1"
        if meta is not None:
            for elem in meta:
                ds.file_meta.add(elem)
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = dataset.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
        ds.file_meta.MediaStorageSOPInstanceUID = dataset.get("SOPInstanceUID", "2.25.0")
    if getattr(ds, "preamble", None) is None:
        if ds is dataset:
            ds = copy.copy(dataset)
        ds.preamble = b"\0" * 128
    # a VR pydicom accepts in memory but cannot encode becomes the dictionary's (or UN)
    from pydicom.dataelem import DataElement

    valid = {
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD",
        "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI",
        "UL", "UN", "UR", "US", "UT", "UV",
    }
    # `elements()` leaves elements pydicom has not decoded yet as they are (cheap)
    each = ds.elements() if hasattr(ds, "elements") else iter(ds)
    # (a VR of None: not decoded yet, pydicom takes it from its dictionary)
    bad = [e.tag for e in each if e.VR is not None and e.VR not in valid and "or" not in str(e.VR)]
    if bad:
        if ds is dataset:
            ds = copy.copy(dataset)
        for t in bad:
            old = ds[t]
            try:
                vr = dictionary_VR(t)
            except KeyError:
                vr = "UN"
            value = old.value if vr != "UN" else (str(old.value).encode("utf-8", "replace"))
            ds[t] = DataElement(t, vr, value)
    buf = io.BytesIO()
    try:
        # the file meta as it is (enforce_file_format=True would copy the data set's
        # SOP Instance UID into it, whatever that holds)
        if int(pydicom.__version__.split(".")[0]) >= 3:
            pydicom.dcmwrite(buf, ds, enforce_file_format=False)
        else:
            pydicom.dcmwrite(buf, ds, write_like_original=True)
    except Exception as e:  # the message of pydicom's error may hold a value
        raise AnonymizationError("failed", f"pydicom could not encode the dataset ({type(e).__name__})") from None
    return buf.getvalue()


def _decode(data: bytes) -> Any:
    import pydicom

    try:
        return pydicom.dcmread(io.BytesIO(data), force=True)
    except Exception as e:  # the message of pydicom's error may hold a value
        raise AnonymizationError("failed", f"pydicom could not read the result ({type(e).__name__})") from None


def _replace_contents(dataset: Any, new: Any) -> None:
    had_meta = getattr(dataset, "file_meta", None) is not None
    dataset.clear()
    # the elements as read, decoded by pydicom only when used
    each = new.elements() if hasattr(new, "elements") else iter(new)
    for elem in each:
        dataset[elem.tag] = elem
    if had_meta:
        dataset.file_meta = new.file_meta


def _apply_callables(dataset: Any, calls: List[Tuple[Tuple[int, ...], Callable[..., Any]]]) -> None:
    """The old tool's user functions, after the engine's pass, as it called them."""
    for key, fn in calls:
        if len(key) == 4:
            g, e, gm, em = key

            def cb(ds: Any, elem: Any, g: int = g, e: int = e, gm: int = gm, em: int = em, fn: Any = fn) -> None:
                if elem.tag.group & gm == g & gm and elem.tag.element & em == e & em:
                    fn(ds, (elem.tag.group, elem.tag.element))

            dataset.walk(cb)
        elif key[0] == 0x0002:
            meta = getattr(dataset, "file_meta", None)
            if meta is not None:
                fn(meta, key)
        else:
            fn(dataset, key)


def _deidentify(plan: Any, key: Any, data: bytes, path: Optional[str] = None) -> Tuple[bytes, Dict[str, int], str]:
    try:
        return _native.deidentify_bytes(plan, key, data)
    except _native.DeidentifyError as e:
        outcome, reason = e.args
        raise AnonymizationError(outcome, reason, path) from None


def anonymize_dataset(
    dataset: Any,
    rules: Optional[Rules] = None,
    *,
    profile: Union[None, Profile, PathLike, Sequence[Any]] = None,
    key: Optional[KeyLike] = None,
    keep_private: bool = False,
    delete_private_tags: Optional[bool] = None,
) -> None:
    """De-identifies a pydicom ``Dataset`` in place, as ``run`` would the same file.

    ``rules`` is the old tool's dictionary: keys ``(group, element)`` (or
    ``(group, element, group_mask, element_mask)``, an int, a keyword), values action
    names (``"delete"``, ``"replace_UID"``, ...), the action objects of this module
    (``keep``, ``regexp([find, repl])``, ...), ``{"action": ...}`` dicts, or callables
    ``f(dataset, tag)`` called after the engine's pass (the engine keeps such a tag, so
    the callable sees the original element). Rules apply on top of ``profile`` (default:
    the built-in basic profile plus the old tool's extra rules). ``key`` (bytes or str,
    16 bytes or more) makes UIDs, pseudonyms and date shifts repeatable; without it a
    random key is made once per process. ``delete_private_tags=False`` is the old
    spelling of ``keep_private=True``.
    """
    rules_json, calls = _split_rules(rules)
    plan = _plan(profile, rules_json, _keep_private(keep_private, delete_private_tags))
    k = _key(key)
    out, _counts, _read = _deidentify(plan, k, _encode(dataset))
    _replace_contents(dataset, _decode(out))
    _apply_callables(dataset, calls)


def _outcome(line: str) -> Dict[str, Any]:
    return json.loads(line)


def anonymize_dicom_file(
    in_file: PathLike,
    out_file: PathLike,
    rules: Optional[Rules] = None,
    *,
    profile: Union[None, Profile, PathLike, Sequence[Any]] = None,
    key: Optional[KeyLike] = None,
    key_file: Optional[PathLike] = None,
    keep_private: bool = False,
    delete_private_tags: Optional[bool] = None,
) -> Dict[str, Any]:
    """De-identifies one file into ``out_file`` (replaced if it exists; its folder is
    created), exactly as ``run`` writes it. Returns the report record (``source``,
    ``output``, ``outcome``, ``counts``, ...); raises :class:`AnonymizationError` when
    the file is not written. With callables in ``rules``, the file is read with pydicom
    after the engine's pass, the callables run, and pydicom writes it."""
    rules_json, calls = _split_rules(rules)
    plan = _plan(profile, rules_json, _keep_private(keep_private, delete_private_tags))
    k = _key(key, key_file)
    src, dst = os.fspath(in_file), os.fspath(out_file)
    if not calls:
        record = _outcome(_native.deidentify_file(plan, k, src, dst))
        if record["outcome"] != "written":
            raise AnonymizationError(record["outcome"], record.get("error", ""), src)
        return record
    return _with_callables(plan, k, src, dst, calls)


def _with_callables(plan: Any, key: Any, src: str, dst: str, calls: List[Any]) -> Dict[str, Any]:
    with open(src, "rb") as f:
        data = f.read()
    out, counts, read = _deidentify(plan, key, data, src)
    ds = _decode(out)
    _apply_callables(ds, calls)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = dst + ".tmp"
    ds.save_as(tmp)
    os.replace(tmp, dst)
    return {
        "source": src,
        "output": dst,
        "outcome": "written",
        "counts": counts,
        "bytes": os.path.getsize(dst),
        "read": read,
    }


def anonymize(
    src: PathLike,
    dst: PathLike,
    rules: Optional[Rules] = None,
    *,
    profile: Union[None, Profile, PathLike, Sequence[Any]] = None,
    key: Optional[KeyLike] = None,
    key_file: Optional[PathLike] = None,
    jobs: int = 0,
    report: Optional[PathLike] = None,
    keep_private: bool = False,
    delete_private_tags: Optional[bool] = None,
    overwrite: bool = False,
    dry_run: bool = False,
) -> List[Dict[str, Any]]:
    """De-identifies a file, a folder or a nested tree into ``dst`` as ``dicom-anonymizer
    run`` does (same outputs, same report records), in parallel (``jobs``; 0: all
    cores) with the GIL released. Returns one record per input: ``source``, ``output``,
    ``outcome`` (``written``, ``would-write``, ``skipped``, ``rejected``, ``failed``),
    ``error``, ``counts``, ``bytes``, ``read``; ``report`` also writes them as JSON
    lines. A file that fails does not stop the others. With callables in ``rules``, the
    files go one by one through the engine, then the callables, then pydicom's writer."""
    rules_json, calls = _split_rules(rules)
    plan = _plan(profile, rules_json, _keep_private(keep_private, delete_private_tags))
    k = _key(key, key_file)
    s, d = os.fspath(src), os.fspath(dst)
    if not calls:
        lines = _native.anonymize_tree(
            plan, k, s, d, jobs=jobs, report=None if report is None else os.fspath(report),
            overwrite=overwrite, dry_run=dry_run,
        )
        return [_outcome(line) for line in lines]
    records: List[Dict[str, Any]] = []
    pairs: List[Tuple[str, str]] = []
    if os.path.isdir(s):
        for root, dirs, files in os.walk(s):
            dirs.sort()
            for name in sorted(files):
                p = os.path.join(root, name)
                pairs.append((p, os.path.join(d, os.path.relpath(p, s))))
    else:
        pairs.append((s, d))
    for p, q in pairs:
        if os.path.exists(q) and not overwrite:
            records.append({"source": p, "output": q, "outcome": "failed",
                            "error": f"the output `{q}` exists (use overwrite=True to replace it)"})
            continue
        try:
            if dry_run:
                with open(p, "rb") as f:
                    _deidentify(plan, k, f.read(), p)
                records.append({"source": p, "output": q, "outcome": "would-write"})
            else:
                records.append(_with_callables(plan, k, p, q, calls))
        except AnonymizationError as e:
            records.append({"source": p, "outcome": e.outcome, "error": e.reason})
    if report is not None:
        with open(report, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
    return records


def _all_tags() -> List[Tuple[int, int]]:
    plan = _native.compile([("builtin", "basic", "")])[0]
    return [] if plan is None else plan.exact_tags()


#: The tags the built-in basic profile has rules for, as (group, element) (the old
#: tool's ``ALL_TAGS``).
ALL_TAGS: List[Tuple[int, int]] = _all_tags()
