"""Screenshot a report in headless Chromium (the README's docs/report.png):

    .venv/bin/python scripts/report_screenshot.py out/seeds/report.html docs/report.png
"""

import sys
from pathlib import Path

from newsdedup.report.browser import check_page

if __name__ == "__main__":
    html, png = Path(sys.argv[1]), Path(sys.argv[2])
    check = check_page(html, screenshot=png, width=1280, height=1400)
    print(f"{png}: {png.stat().st_size:,} bytes; plots drawn: {check.all_plots_drawn}; "
          f"console errors: {len(check.console_errors)}")
    sys.exit(0 if check.all_plots_drawn and not check.console_errors else 1)
