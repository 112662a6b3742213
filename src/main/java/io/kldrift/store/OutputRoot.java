package io.kldrift.store;

import io.kldrift.DriftException;
import io.kldrift.input.InputFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsAction;

/**
 * Proves, before any input is read, that the report root can be created and written: a run that
 * could not publish its report should fail in a second as a configuration error, not after the
 * whole computation as an internal error.
 */
final class OutputRoot {
  private static final String PROBE = "_kldrift-probe-";

  private OutputRoot() {}

  /**
   * Writes and deletes a probe file in {@code root}, or, when the root does not exist yet, in a
   * probe folder of a unique name created in its deepest existing ancestor: the root itself is
   * neither created nor removed here, so a run that fails later leaves nothing behind, and two runs
   * starting on a new root at once do not remove each other's folder. Throws the configuration
   * error naming why the root cannot be written.
   */
  static void probe(FileSystem fs, Path root) {
    try {
      Path existing = root;
      while (existing != null && !fs.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null || fs.getFileStatus(existing).isFile()) {
        throw new IOException("no folder to create it in");
      }
      boolean inAncestor = !existing.equals(root);
      Path folder = inAncestor ? new Path(existing, PROBE + UUID.randomUUID()) : root;
      Path probe = new Path(folder, PROBE + UUID.randomUUID());
      try {
        if (inAncestor && !fs.mkdirs(folder)) {
          throw new IOException("the file system refused to create a folder in " + existing);
        }
        try (OutputStream out = fs.create(probe, false)) {
          out.write('\n');
        }
      } finally {
        if (inAncestor) {
          fs.delete(folder, true);
        } else {
          fs.delete(probe, false);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw notWritable(fs, root, e);
    }
  }

  private static DriftException notWritable(FileSystem fs, Path root, Exception e) {
    Path existing = deepestExisting(fs, root);
    if (existing != null && isFile(fs, existing)) {
      return StoreErrors.rootBelowFile(root, existing);
    }
    if (InputFiles.isPermissionDenied(e) || (existing != null && !mayWrite(fs, existing))) {
      return StoreErrors.rootPermissionDenied(
          root, InputFiles.user(), existing == null || existing.equals(root) ? null : existing);
    }
    String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return StoreErrors.rootNotWritable(root, why);
  }

  /** {@code root} or its deepest ancestor that exists; null when none can be told. */
  private static Path deepestExisting(FileSystem fs, Path root) {
    for (Path p = root; p != null; p = p.getParent()) {
      try {
        if (fs.exists(p)) {
          return p;
        }
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static boolean isFile(FileSystem fs, Path p) {
    try {
      return fs.getFileStatus(p).isFile();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether the file system's permission model lets the job's user write in {@code folder}; asked
   * only after a write failed, to say why (the model ignores a superuser's privileges).
   */
  private static boolean mayWrite(FileSystem fs, Path folder) {
    try {
      fs.access(folder, FsAction.WRITE);
      return true;
    } catch (IOException | RuntimeException e) {
      return !InputFiles.isPermissionDenied(e);
    }
  }
}
