// Package storetest checks that a scheduler.Store implementation behaves
// like the scheduler expects, and provides the fakes it uses to do so: a
// fake clock ([Clock]) and a fake cluster of BBB servers ([Cluster]) that
// serves as a scheduler.MeetingLister.
//
// A Store's tests call [Run] with a [Harness]:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) scheduler.Store { return mystore.New(...) },
//		})
//	}
//
// Run also checks sites and capacity, and, for stores that implement them,
// scheduler.LeaseStore (one holder at a time, fencing tokens refusing a
// passed holder's writes, takeover by a second leased poller) and
// scheduler.TenantStore. [BenchPoll] benchmarks a full poll cycle over a
// store against the ideal servers × latency ÷ concurrency, with a fake
// cluster of fixed latency ([LatencyLister]).
package storetest
