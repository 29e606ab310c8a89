"""(being written)"""
def _todo(request, *a, **k):
    raise NotImplementedError
register = register_done = resend_verification = verify_email = _todo
