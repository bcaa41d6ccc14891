// Package mirror moves BigBlueButton recordings from the servers that
// produce them to the Scalelite balancer that serves them, replacing the NFS
// mounts, rsync jobs and Ruby post-publish script operators glue together.
//
// A recording lives in a published tree as one directory per playback
// format: <published>/<format>/<recordID>/..., each with its metadata.xml.
// The package offers:
//
//   - Sources: DirSource reads a tree on local disk; HTTPSource reads the
//     export endpoint that Handler serves (a JSON Manifest of recordings,
//     formats, files, sizes and SHA-256, and the files with Range support,
//     authenticated by a shared-secret checksum in the BBB style). Handler
//     refuses files with more than one hard link unless WithHardLinks, and
//     lists the recordings it leaves out, with the reason, in the manifest.
//   - Sync: brings new and changed recordings into a destination tree. Each
//     recording is staged, verified (sizes, SHA-256, metadata.xml) and only
//     then put into place, all its formats or none, each exchanged with
//     its older copy in one atomic step (renameat2 RENAME_EXCHANGE) where
//     the kernel offers it; one Sync at a time holds a destination (a
//     flock on LockFileName); interrupted transfers resume; unchanged
//     recordings cost a manifest comparison; concurrency, a bandwidth limit,
//     progress events and mirrored deletions are options. From an
//     endpoint every byte is hashed with SHA-256 in the pass that writes it
//     and checked against the manifest's digest (and the small files of a
//     format arrive in one bundle). From a local tree a file is hashed and
//     checked whenever its digest is known (a DirSource WithHashes or with
//     a hash cache that holds it); otherwise the kernel copies it file to
//     file and the copy is checked by size and by the source staying
//     unchanged, as cp and rsync do. WithHashLocal hashes every local file
//     too and keeps the digests in the destination's hash cache. Any
//     Source can take DirSource's fast paths by implementing the optional
//     interfaces Digester (digests known without a transfer) and
//     FormatOpener (a format directory opened once for all its files).
//   - The Scalelite spool format both ways: Pack writes the uncompressed tar
//     that scalelite_post_publish.rb writes, Import reads one into the
//     published/unpublished trees as Scalelite's importer does and refuses
//     unsafe archives before writing anything. A refused or failed import
//     leaves both trees as they were, also across file systems.
//   - Prune: retention by age or count, with a dry run; a recording it
//     cannot remove safely is reported with the reason (ErrIncomplete).
//
// Each constructor has its own option type; options that mean the same to
// several constructors have one name (WithClock, WithHashCache,
// WithScanWorkers), and every option checks its value in the constructor.
//
// Progress is reported through a callback of Events; Counters turns them
// into totals that a metrics exporter can read without this package
// importing one.
package mirror
