#!/bin/sh
# unit.parse: splits "key=value" pairs and checks the values that came out.
input="a=1 b=2 c=3"
values=""
for pair in $input; do
	values="$values${pair#*=}"
done
if [ "$values" = 123 ]; then
	echo "parsed $input -> values 1 2 3"
	exit 0
fi
echo "expected values 123, got: $values" >&2
exit 1
