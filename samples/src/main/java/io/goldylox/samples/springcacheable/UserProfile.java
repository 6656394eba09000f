package io.goldylox.samples.springcacheable;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The DTO {@link ProfileService#profile} returns: a plain mutable, {@code Serializable} bean of the shape a Spring
 * service caches (a String, a long, a list of strings, an instant). It owns no shared state; each instance belongs
 * to the thread that received it, which is why a by-value cache hands every caller a copy of its own.
 */
public class UserProfile implements Serializable {

  private static final long serialVersionUID = 1L;

  private String userId;
  private String displayName;
  private long visits;
  private List<String> roles;
  private Instant lastLogin;

  /** For serializers and frameworks. */
  public UserProfile() {
    this.roles = new ArrayList<>();
  }

  public UserProfile(String userId, String displayName, long visits, List<String> roles, Instant lastLogin) {
    this.userId = userId;
    this.displayName = displayName;
    this.visits = visits;
    this.roles = new ArrayList<>(roles);
    this.lastLogin = lastLogin;
  }

  public String getUserId() {
    return userId;
  }

  public void setUserId(String userId) {
    this.userId = userId;
  }

  public String getDisplayName() {
    return displayName;
  }

  public void setDisplayName(String displayName) {
    this.displayName = displayName;
  }

  public long getVisits() {
    return visits;
  }

  public void setVisits(long visits) {
    this.visits = visits;
  }

  /** The roles, as a mutable list (a caller may change its own copy). */
  public List<String> getRoles() {
    return roles;
  }

  public void setRoles(List<String> roles) {
    this.roles = roles;
  }

  public Instant getLastLogin() {
    return lastLogin;
  }

  public void setLastLogin(Instant lastLogin) {
    this.lastLogin = lastLogin;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof UserProfile that)) {
      return false;
    }
    return visits == that.visits && Objects.equals(userId, that.userId)
        && Objects.equals(displayName, that.displayName) && Objects.equals(roles, that.roles)
        && Objects.equals(lastLogin, that.lastLogin);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, displayName, visits, roles, lastLogin);
  }

  @Override
  public String toString() {
    return "UserProfile[userId=" + userId + ", displayName=" + displayName + ", visits=" + visits + ", roles="
        + roles + ", lastLogin=" + lastLogin + "]";
  }
}
