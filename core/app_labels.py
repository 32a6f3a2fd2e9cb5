"""The admin's names for the apps other packages bring: the newsroom reads "Tags" and
"Login lock-outs", not the package names "TAGGIT", "AXES" and "OTP_TOTP". Each config is
the package's own with only its ``verbose_name`` changed (label and tables stay)."""

from axes.apps import AppConfig as AxesConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig
from django_tasks_db.apps import TasksAppConfig
from reversion.apps import ReversionConfig
from taggit.apps import TaggitAppConfig


class LockoutsConfig(AxesConfig):
    verbose_name = "Login lock-outs"


class TwoFactorConfig(TOTPConfig):
    verbose_name = "Two-factor devices"


class TagsConfig(TaggitAppConfig):
    verbose_name = "Tags"


class HistoryConfig(ReversionConfig):
    verbose_name = "Article history"


class TaskQueueConfig(TasksAppConfig):
    verbose_name = "Background tasks"
