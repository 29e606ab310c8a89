"""Portal URLs for accounts: registration, login, profile and Manage accounts."""
from django.urls import path

from .views import auth, people, portal, profile, registration

app_name = "accounts"
urlpatterns = [
    path("register/", registration.register, name="register"),
    path("register/done/", registration.register_done, name="register_done"),
    path("verify/resend/", registration.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", registration.verify_email, name="verify_email"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code, name="login_code"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/reset/", auth.password_reset, name="password_reset"),
    path("password/reset/done/", auth.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth.password_reset_confirm,
         name="password_reset_confirm"),
    path("password/reset/complete/", auth.password_reset_complete,
         name="password_reset_complete"),
    path("password/change/", auth.password_change, name="password_change"),
    path("two-factor/", auth.two_factor, name="two_factor"),
    path("profile/", profile.edit_profile, name="profile"),
    path("language/", profile.set_language, name="set_language"),
    path("logo/", portal.logo, name="logo"),
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_new, name="person_new"),
    path("people/<int:pk>/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/make-primary/", people.hand_over_primary, name="hand_over_primary"),
    path("invitation/<uidb64>/<token>/", people.accept_invitation, name="accept_invitation"),
]
