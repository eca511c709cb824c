from tests.sending.helpers import mail_account, sending  # noqa: F401
from tests.support.fixtures import api, home  # noqa: F401
