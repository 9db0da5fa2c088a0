"""Recovery codes: shape, normalisation of what a person types, and that TOTP codes are not
mistaken for them."""

from __future__ import annotations

from hiccup.auth.recovery import ALPHABET, code_hash, new_codes, normal


def test_new_codes_are_distinct_and_typed_back_in_any_case_or_spacing() -> None:
    codes = new_codes()
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11
        assert code[5] == "-"
        assert all(c in ALPHABET for c in code.replace("-", ""))
        assert normal(code.lower().replace("-", " ")) == code.replace("-", "")
    assert code_hash(normal(codes[0]) or "") != code_hash(normal(codes[1]) or "")


def test_totp_codes_and_junk_are_not_recovery_codes() -> None:
    assert normal("123456") is None  # a TOTP code goes to the TOTP check
    assert normal("ABCDE-FGHIO") is None  # O is not in the alphabet
    assert normal("ABCDE-FGH") is None
    assert normal("abcde fghjk") == "ABCDEFGHJK"
