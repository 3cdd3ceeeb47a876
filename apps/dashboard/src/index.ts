export {
  type DashboardAsset,
  type DashboardAssets,
  DashboardBundleError,
  loadDashboardAssets,
  serveDashboard,
} from "./assets.ts";
