#!/bin/sh
# Make the players this deck shows (players/*.html) and link reveal.js in beside them.
#
#   ./build.sh PATH/TO/reveal.js     the full chapter runs (a few minutes), reveal.js linked as ./reveal
#   ./build.sh --quick [PATH]        short runs at 640x360, to try the deck out in seconds
#
# PATH is a reveal.js folder (git clone https://github.com/hakimel/reveal.js, or npm's node_modules/reveal.js);
# without one, index.html looks for ./reveal, or edit its three reveal.js lines to load it from a CDN.
# $ANIMATOR names the command (default: animator).
set -eu
cd "$(dirname "$0")"
ANIMATOR=${ANIMATOR:-animator}
quick=""
if [ "${1:-}" = "--quick" ]; then
    quick=1
    shift
fi
if [ -n "${1:-}" ]; then
    [ -f "$1/dist/reveal.js" ] || { echo "build.sh: $1 has no dist/reveal.js" >&2; exit 2; }
    rm -f reveal
    ln -s "$1" reveal
fi
mkdir -p players
if [ -n "$quick" ]; then
    train="--epochs 300 --frames 12 --size 640x360"
    steps="--steps 60 --size 640x360"
else
    train=""
    steps=""
fi
# --preset slides: 16:9 at 1280x720, large type, the last frame held; each player gets a poster PNG too
$ANIMATOR train --preset slides --momentum 0.9 --decay 1e-3 $train -q -o players/momentum.html
$ANIMATOR compare sgd:lr=1,decay=1e-3,momentum=0.9 adam:lr=0.05,decay=5e-7 --preset slides $train -q \
    -o players/race.html
$ANIMATOR race2d saddle --preset slides $steps -q -o players/saddle.html
echo "open $(pwd)/index.html"
