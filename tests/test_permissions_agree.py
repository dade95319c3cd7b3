"""The configuration's custom-role permissions and the API's PermissionsModel name the same flags.

The config model refuses unknown keys (typos) and the API model ignores unknown fields (new
server versions), so they stay two classes; this keeps them from drifting apart.
"""

from __future__ import annotations

import pytest

from dirsync.bitwarden import models
from dirsync.config import Permissions, RoleMapping
from dirsync.sync.mapping import _member_role


def test_both_models_have_the_same_flags() -> None:
    assert set(Permissions.model_fields) == set(models.Permissions.model_fields)


@pytest.mark.parametrize("flag", sorted(Permissions.model_fields))
def test_each_configured_flag_reaches_the_api_model(flag: str) -> None:
    role = RoleMapping(group="g", type="custom", permissions=Permissions(**{flag: True}))
    _, granted = _member_role([role])
    assert granted is not None
    assert {k for k, v in granted.model_dump().items() if v} == {flag}
