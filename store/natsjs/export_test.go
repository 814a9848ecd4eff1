package natsjs

// ConsumerReads is how many reads have switched to a consumer.
func ConsumerReads() int64 { return consumerReads.Load() }
