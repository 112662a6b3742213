package io.kldrift.report;

import io.kldrift.DriftException;
import io.kldrift.input.InputFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
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
   * Creates {@code root} if missing, writes and deletes a probe file in it, and removes the folders
   * it created; throws the configuration error naming why the root cannot be written.
   */
  static void probe(FileSystem fs, Path root) {
    List<Path> created = new ArrayList<>();
    try {
      for (Path p = root; p != null && !fs.exists(p); p = p.getParent()) {
        created.add(p);
      }
      if (!created.isEmpty() && !fs.mkdirs(root)) {
        throw new IOException("the file system refused to create the folder");
      }
      Path probe = new Path(root, PROBE + UUID.randomUUID());
      try (OutputStream out = fs.create(probe, false)) {
        out.write('\n');
      }
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw notWritable(fs, root, e);
    } finally {
      for (Path p : created) {
        try {
          fs.delete(p, false); // only empty folders, deepest first
        } catch (IOException | RuntimeException ignored) {
          // left in place: not empty, so another run wrote into it meanwhile
        }
      }
    }
  }

  private static DriftException notWritable(FileSystem fs, Path root, Exception e) {
    String fix =
        "choose for --out (output.path) a folder the job's user can create and write, or grant"
            + " that user write access to it (chmod/ACL, or the bucket's access policy)";
    Path existing = deepestExisting(fs, root);
    if (existing != null && isFile(fs, existing)) {
      return DriftException.invalidConfig(
          "output path " + root + " cannot be created: " + existing + " is a file, not a folder",
          fix);
    }
    if (InputFiles.isPermissionDenied(e) || (existing != null && !mayWrite(fs, existing))) {
      return DriftException.invalidConfig(
          "output path "
              + root
              + " cannot be written: permission denied for user "
              + InputFiles.user()
              + (existing == null || existing.equals(root) ? "" : " in " + existing),
          fix);
    }
    String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return DriftException.invalidConfig(
        "output path " + root + " cannot be created or written (" + why + ")", fix);
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
