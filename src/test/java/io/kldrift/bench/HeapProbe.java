package io.kldrift.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Measures the heap of this JVM while one benchmark variant runs: the used heap sampled every few
 * milliseconds, the sum of the heap pools' peak usage (peaks reset at start), and the heap in use
 * right after each garbage collection (the largest such value approximates the peak live data). In
 * local mode Spark's executors are threads of this JVM, so this is all of Spark's heap.
 */
final class HeapProbe implements AutoCloseable {
  /** What one probe saw. */
  record Peaks(long sampledUsed, long poolPeakSum, long afterGcMax, long gcCount, long gcMillis) {}

  private static final long SAMPLE_MILLIS = 5;

  private final List<MemoryPoolMXBean> heapPools;
  private final Set<String> heapPoolNames;
  private final AtomicLong sampledMax = new AtomicLong();
  private final AtomicLong afterGcMax = new AtomicLong();
  private final long gcCount0;
  private final long gcMillis0;
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onGc;
  private final Thread sampler;
  private volatile boolean running = true;

  private HeapProbe() {
    System.gc();
    heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    heapPoolNames = heapPools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
    gcCount0 = gcCount();
    gcMillis0 = gcMillis();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
    sampler = new Thread(this::sample, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Collects garbage, resets the pools' peaks and starts sampling. */
  static HeapProbe start() {
    return new HeapProbe();
  }

  private void sample() {
    var memory = ManagementFactory.getMemoryMXBean();
    while (running) {
      sampledMax.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
      try {
        Thread.sleep(SAMPLE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPoolNames.contains(e.getKey())) {
        used += e.getValue().getUsed();
      }
    }
    afterGcMax.accumulateAndGet(used, Math::max);
  }

  private static long gcCount() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  private static long gcMillis() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionTime());
    }
    return n;
  }

  /** Stops sampling and returns the peaks seen since {@link #start()}. */
  Peaks stop() {
    running = false;
    sampler.interrupt();
    try {
      sampler.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long poolPeaks = 0;
    for (MemoryPoolMXBean p : heapPools) {
      poolPeaks += p.getPeakUsage().getUsed();
    }
    sampledMax.accumulateAndGet(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
    close();
    return new Peaks(
        sampledMax.get(),
        poolPeaks,
        afterGcMax.get(),
        gcCount() - gcCount0,
        gcMillis() - gcMillis0);
  }

  @Override
  public void close() {
    running = false;
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(listener);
      } catch (javax.management.ListenerNotFoundException ignored) {
        // already removed
      }
    }
    emitters.clear();
  }
}
