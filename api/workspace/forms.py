"""The workspace's forms as sent: every field text; the page checks them itself, so that bad input is the form
again with its errors in words (the API's schemas and services decide what is valid)."""

from __future__ import annotations

from typing import Annotated

from litestar.enums import RequestEncodingType
from litestar.params import Body
from pydantic import BaseModel, ConfigDict, Field

Text = Annotated[str, Field(max_length=8000)]


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SignInForm(Form):
    email: Text = ""
    password: Text = ""
    next: Text = ""


class SetPasswordForm(Form):
    token: Text = ""
    password: Text = ""
    repeat: Text = ""


class NewCaseForm(Form):
    reference: Text = ""
    debtor_name: Text = ""
    debtor_contact_channel: Text = ""
    debtor_contact: Text = ""
    currency: Text = "EUR"
    country: Text = "NL"
    reference_date: Text = ""


SignInBody = Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
SetPasswordBody = Annotated[SetPasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
NewCaseBody = Annotated[NewCaseForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
