"""(being written)"""
def _todo(request, *a, **k):
    raise NotImplementedError
people_list = person_new = person_edit = hand_over_primary = accept_invitation = _todo
