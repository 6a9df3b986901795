"""``kitwork automate [--dry-run]``: run the automation rules, or show what they would do."""
from core import Database, errors


def automate(args, out):
    database = Database(args.db)
    if "sale_automation" not in database.active_modules:
        raise errors.UserError(
            f"sale_automation is not active in {database!r}: run 'kitwork activate sale_automation'")
    with database.transaction() as env:
        Rule = env["sale.automation.rule"]
        if args.dry_run:
            entries = Rule.preview()
        else:
            entries = [{"rule": log.rule.name if log.rule else None, "sale": log.sale.rec_name,
                        "outcome": log.outcome, "detail": log.detail} for log in Rule.run()]
        for entry in entries:
            out.write(f"{entry['outcome']}: {entry['sale']}: {entry['detail']}\n")
        for warning in env.warnings:
            if warning.key == "sale_automation.rule_skipped":
                out.write(f"skipped: {warning.message}\n")
        counts = {o: sum(1 for e in entries if e["outcome"] == o) for o in ("applied", "watching", "dropped")}
        summary = ", ".join(f"{n} {o}" for o, n in counts.items())
        out.write(f"dry run: nothing changed; would be {summary}\n" if args.dry_run else f"{summary}\n")


def add_arguments(parser):
    parser.add_argument("--dry-run", action="store_true", help="show what the rules would do, change nothing")


cli_commands = [("automate", "run the automation rules on the open sales and the watch list (sale_automation), "
                 "or show what they would do with --dry-run", automate, add_arguments)]
