from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from annotations.management.commands._base import WorkbenchCommand
from annotations.services.accounts import user_grant_project_creator


class Command(WorkbenchCommand):
    help = "Let a user create projects (the permission annotations.add_project); they manage what they create."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if user_grant_project_creator(user=user):
            self.stdout.write(f"{username} may now create projects.")
        else:
            self.stdout.write(f"{username} could already create projects.")
