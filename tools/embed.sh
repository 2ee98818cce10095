#!/bin/sh
# embed.sh - stub
echo '/* generated */'
