from django.core.management.base import BaseCommand

from assessments.services.runs import score_runs_reconcile


class Command(BaseCommand):
    help = "Re-enqueue score runs stuck by a lost message or a dead worker (beat runs this every five minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--stuck-after", type=int, default=900, help="Seconds without progress.")

    def handle(self, *args, stuck_after, **options):
        counts = score_runs_reconcile(stuck_after_seconds=stuck_after)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
