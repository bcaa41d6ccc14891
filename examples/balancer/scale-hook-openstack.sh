#!/bin/sh
# Example -scale-hook for OpenStack (not run in tests): reads the balancer's
# autoscaling plan (JSON) on standard input, creates servers for scale-outs
# and drains servers through the balancer's admin API for drains.
#
# Needs: jq, the openstack CLI with credentials in the environment, and
# bbbctl (examples/bbbctl) with BBBCTL_URL and BBBCTL_SECRET naming this
# balancer.
#
# Per site, the flavor, image and network come from environment variables
# named after the site, e.g. FLAVOR_a, IMAGE_a, NETWORK_a.
set -eu
plan=$(cat)
echo "$plan" | jq -c '.actions[]' | while read -r action; do
	site=$(echo "$action" | jq -r .site)
	n=$(echo "$action" | jq -r '.scaleOut // 0')
	i=0
	while [ "$i" -lt "$n" ]; do
		name="bbb-$site-$(date +%s)-$i"
		eval flavor=\${FLAVOR_$site} image=\${IMAGE_$site} network=\${NETWORK_$site}
		openstack server create --flavor "$flavor" --image "$image" --network "$network" \
			--property bbbkit-site="$site" --wait "$name"
		# The new server registers itself with the balancer on first boot
		# (cloud-init calls addServer with its site and capacity).
		i=$((i + 1))
	done
	echo "$action" | jq -r '.drain // [] | .[]' | while read -r id; do
		# The balancer drains in the background: the hook does not wait.
		bbbctl servers drain -deadline 2h -end-meetings -message "This server is being retired." "$id"
		# Delete the machine once the balancer removed the server, e.g. from
		# a job that watches getServerInfo.
	done
done
