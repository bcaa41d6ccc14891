// Command mirror moves BigBlueButton recordings to a Scalelite balancer
// without NFS or rsync. It is a thin program over package
// github.com/bbbkit/bbbkit/scalelite/mirror.
//
// Usage:
//
//	mirror serve  -dir /var/bigbluebutton/published -listen :8090 -secret-file /etc/bbb-mirror.secret
//	mirror sync   -from DIR|URL -to DIR [-secret S] [-concurrency N] [-limit 50MB/s] [-delete] [-verify] [-hash]
//	mirror pack   -published DIR -id RECORDID (-spool DIR | -o FILE)
//	mirror import -published DIR -unpublished DIR [-unpublished-all] [-remove] FILE.tar ...
//	mirror prune  -dir DIR (-older-than 90d | -keep N) [-dry-run]
//
// The secret can also come from the MIRROR_SECRET environment variable or
// -secret-file, which keeps it out of the process list. The checksum
// authenticates requests but does not encrypt them: across untrusted
// networks serve with -tls-cert/-tls-key or behind a TLS proxy.
//
// Exit codes, for scripts (the shared codes of examples/internal/cli):
//
//	0   success
//	2   usage error (unknown command, bad or missing flag)
//	3   the export endpoint refused the secret
//	4   source, destination or network unusable (nothing could be done)
//	5   input refused: unsafe archive, invalid metadata.xml
//	6   partly applied: some recordings failed (the others were mirrored), or
//	    prune left selected recordings in place (each is logged with the reason)
//	130 interrupted by SIGINT or SIGTERM
//
// mirror serve runs with read-header, read, write and idle timeouts and a
// cap on requests still sending a body (-read-timeout, -write-timeout, ...;
// see "mirror serve -h"); the write timeout bounds a stall of a download,
// not the whole download.
package main
