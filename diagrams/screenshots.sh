#!/usr/bin/env sh
# Regenerates the screenshots of docs/diagrams.md (docs/diagrams/*.png): plays the default scenario
# and scenarios/six-participants.scenario with real processes (./chitchat demo), then photographs
# in headless Chromium at 100% zoom one SVG page of each run and each run's diagram.html (scrolled:
# the process names stay in view). Needs chromium (apt-get install -y chromium); pngquant, if
# present, makes the files about three times smaller. Run from anywhere: diagrams/screenshots.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=target/screenshots
docs=docs/diagrams
rm -rf "$out"
mkdir -p "$out" "$docs"

echo "screenshots: playing the default scenario and the six-participant one (about 2 minutes)" >&2
./chitchat demo --run-dir "$out/demo" >"$out/demo.log"
./chitchat demo --scenario scenarios/six-participants.scenario --run-dir "$out/six" >"$out/six.log"

# shot URL WIDTH HEIGHT FILE: a headless Chromium screenshot with an empty profile.
shot() {
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$2,$3" --screenshot="$here/$4" "$1" >/dev/null 2>&1
  rm -rf "$profile"
}

# page FILE.svg OUT.png: the whole SVG page at 100%, the window as large as the page.
page() {
  size=$(head -c 600 "$1" | sed -n "s/.* width='\([0-9]*\)[.0-9]*' height='\([0-9]*\)[.0-9]*'.*/\1 \2/p")
  shot "file://$here/$1" "${size% *}" "${size#* }" "$2"
}

# The demo: the page on which Bob joins late (his first event, L=1, is on it).
demo_page=$(grep -l "#5 join Bob" "$out"/demo/diagram*.svg | head -n 1)
page "$demo_page" "$docs/demo-page.png"
shot "file://$here/$out/demo/diagram.html#find=Bob%20joined" 1600 820 "$docs/demo-html.png"

# The six-participant run: the page on which Bob comes back as Bob-2.
six_page=$(grep -l "rejoined as Bob-2" "$out"/six/diagram*.svg | head -n 1)
page "$six_page" "$docs/six-page.png"
shot "file://$here/$out/six/diagram.html#find=lab%20was%20cancelled" 1600 1000 "$docs/six-html.png"

if command -v pngquant >/dev/null 2>&1; then
  for f in "$docs"/demo-page.png "$docs"/demo-html.png "$docs"/six-page.png "$docs"/six-html.png; do
    pngquant --force --skip-if-larger --output "$f" 64 "$f" || true
  done
fi
ls -l "$docs"
echo "screenshots: pages used: $demo_page, $six_page" >&2
