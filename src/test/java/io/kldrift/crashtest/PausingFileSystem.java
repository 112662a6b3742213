package io.kldrift.crashtest;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system ({@code fs.file.impl} in the crash tests' runs) that reports its creates,
 * closes of {@code _SUCCESS} markers and renames to {@link CrashPoint}, which may hold them.
 */
public class PausingFileSystem extends LocalFileSystem {
  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    CrashPoint.beforeCreate(f);
    FSDataOutputStream out =
        super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    if (!f.getName().equals("_SUCCESS")) {
      return out;
    }
    return new FSDataOutputStream(out, null) {
      @Override
      public void close() throws IOException {
        super.close();
        CrashPoint.afterClose(f);
      }
    };
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    boolean done = super.rename(src, dst);
    if (done) {
      CrashPoint.afterRename(src, dst);
    }
    return done;
  }
}
