"""The README's configuration table documents every setting, and only those."""

import re
from pathlib import Path

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from app.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        path = prefix + to_camel(name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, path + ".")
        else:
            keys.add(path)
    return keys - {"home"}  # set by MAILING_MANAGER_HOME, not a key


def test_configuration_table_matches_the_settings():
    documented = set(re.findall(r"^\| `([a-zA-Z.]+)` \|", README.read_text(), re.M))

    assert documented == _keys(Settings)
