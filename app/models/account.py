"""Mail accounts and their IMAP watch state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field, updated_at_field


class Account(SQLModel, table=True):
    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    imap_host: str = Field(max_length=255)
    imap_port: int
    imap_security: str = Field(max_length=10)
    imap_username: str = Field(max_length=320)
    imap_password_enc: str
    imap_tls_verify: bool = True
    smtp_host: str = Field(max_length=255)
    smtp_port: int
    smtp_security: str = Field(max_length=10)
    smtp_username: str = Field(max_length=320)
    smtp_password_enc: str
    smtp_tls_verify: bool = True
    folders: list[str] = json_field(lambda: ["INBOX"])
    sent_folder: str | None = Field(default=None, max_length=200)
    enabled: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
