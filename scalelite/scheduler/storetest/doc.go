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
package storetest
